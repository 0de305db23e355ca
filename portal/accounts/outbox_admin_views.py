"""The administrators' view of the email outbox: what is waiting, what went, what failed and why.

A delivery record only: message bodies are never loaded here, let alone shown.
"""

from flask import Blueprint, render_template, request

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.forms import whole_number
from portal.notifications import services
from portal.notifications.models import STATE_LABELS

bp = Blueprint("accounts_outbox", __name__)

MESSAGES_PER_PAGE = 50


@bp.route("/admin/outbox")
@role_required(roles.ADMIN)
def outbox():
    state = request.args.get("state", "")
    state = state if state in STATE_LABELS else ""
    counts = services.counts_by_state()
    page = services.messages_page(state or None, whole_number(request.args.get("page")) or 1, MESSAGES_PER_PAGE, counts)
    return render_template("accounts_outbox/outbox.html", counts=counts, page=page, state=state, labels=STATE_LABELS)
