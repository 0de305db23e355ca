from flask import Blueprint, jsonify, render_template
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db

bp = Blueprint("pages", __name__)


@bp.route("/")
def start():
    return render_template("pages/start.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.route("/cookies")
def cookies():
    return render_template("pages/cookies.html")


@bp.route("/contact")
def contact():
    return render_template("pages/contact.html")


@bp.route("/healthz")
def healthz():
    """For load balancers and monitoring: is the database reachable?"""
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="reachable")
