from flask import Blueprint, current_app, jsonify, render_template
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
    """For load balancers and monitoring: each dependency and whether it answers. 503 when any
    one does not, so a load balancer stops sending visitors to a server that cannot serve them."""
    checks = {"database": _database_answers()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_answers(current_app.config["REDIS_URL"])
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "reachable" if up else "unreachable" for name, up in checks.items()})
    return jsonify(body), 200 if healthy else 503


def _database_answers() -> bool:
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.exceptions.RedisError, OSError):
        return False
