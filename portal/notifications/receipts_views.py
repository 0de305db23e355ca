"""GOV.UK Notify's delivery receipts: Notify posts each message's status here (its callback),
with the bearer token set as NOTIFY_CALLBACK_TOKEN in Notify's API integration settings."""

import hmac
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request

from portal.extensions import csrf, db
from portal.notifications.services import record_delivery

bp = Blueprint("notifications_receipts", __name__)


def _bearer_token_matches() -> bool:
    expected = current_app.config.get("NOTIFY_CALLBACK_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    # In constant time, so that the answer's timing tells nothing about the token.
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _completed_at(value) -> datetime | None:
    """When Notify says the message reached its end ("2017-05-14T12:15:30.000000Z"), if it says."""
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc) if isinstance(value, str) else None
    except ValueError:
        return None


@bp.post("/notify/delivery-receipts")
@csrf.exempt
def delivery_receipt():
    if not _bearer_token_matches():
        response = jsonify(error="unauthorised")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    receipt = request.get_json(silent=True)
    if (
        not isinstance(receipt, dict)
        or not isinstance(receipt.get("id"), str)
        or not isinstance(receipt.get("status"), str)
    ):
        return jsonify(error="expected JSON with an id and a status"), 400
    # An id the outbox never sent is acknowledged all the same: Notify would only send it again.
    record_delivery(receipt["id"], receipt["status"], _completed_at(receipt.get("completed_at")))
    db.session.commit()
    return "", 204
