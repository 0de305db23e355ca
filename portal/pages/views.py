from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy.exc import SQLAlchemyError

from portal.core import retention
from portal.core.page_cache import public_page
from portal.extensions import db
from portal.feedback import models as feedback

bp = Blueprint("pages", __name__)


@bp.route("/")
@public_page
def start():
    return render_template("pages/start.html")


@bp.route("/accessibility")
@public_page
def accessibility():
    return render_template("pages/accessibility.html")


@bp.route("/privacy")
@public_page
def privacy():
    return render_template(
        "pages/privacy.html",
        retention=retention.schedule(),
        session_hours=current_app.config["SIGNED_IN_SESSION_HOURS"],
        **_data_protection_officer(),
    )


@bp.route("/privacy/young-people")
@public_page
def privacy_young_people():
    return render_template(
        "pages/privacy_young_people.html", retention=retention.schedule(), **_data_protection_officer()
    )


def _data_protection_officer() -> dict:
    return {"dpo_name": current_app.config["DPO_NAME"], "dpo_email": current_app.config["DPO_EMAIL"]}


@bp.route("/cookies")
@public_page
def cookies():
    return render_template("pages/cookies.html")


@bp.route("/contact")
@public_page
def contact():
    return render_template("pages/contact.html")


@bp.route("/glossary")
@public_page
def glossary():
    return render_template("pages/glossary.html")


@bp.route("/easy-read/feedback")
@public_page
def easy_read_feedback():
    return render_template("pages/easy_read/feedback.html")


@bp.route("/easy-read/feedback/sent")
@public_page
def easy_read_feedback_sent():
    return render_template("pages/easy_read/feedback_sent.html")


@bp.route("/easy-read/your-case")
@public_page
def easy_read_your_case():
    # The statuses in the words the family's case page shows them.
    return render_template("pages/easy_read/your_case.html", status_labels=feedback.STATUS_LABELS)


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
