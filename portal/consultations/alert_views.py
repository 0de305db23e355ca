"""Consultation alerts: choosing them (signed in, from your account) and stopping them from
an email's one-click unsubscribe link (no signing in)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import alerts
from portal.consultations import models as m
from portal.consultations.alert_forms import AlertsForm
from portal.core.forms import form_page
from portal.extensions import csrf, db

bp = Blueprint("consultations_alerts", __name__)


@bp.route("/account/consultation-alerts", methods=["GET", "POST"])
@role_required(roles.PARENT, roles.YOUTH)
@form_page
def settings():
    choice = alerts.choice_for(current_user)
    form = AlertsForm()
    if not form.is_submitted():
        form.kinds.data = [kind for kind in m.ALERT_KINDS if choice.wants(kind)]
        form.frequency.data = choice.frequency
    if form.validate_on_submit():
        alerts.save_choice(current_user, set(form.kinds.data or []), form.frequency.data)
        db.session.commit()
        flash("Your consultation alerts have been saved.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("consultations_alerts/settings.html", form=form)


def _holder_or_404(token: str) -> tuple:
    holder = alerts.token_holder(token)
    if holder is None:
        abort(404)
    return holder


# What the unsubscribe page offers besides the kinds its email was about.
STOP_ALL = "all"


# A GET only shows the button: link scanners in mail systems follow links, and must not
# unsubscribe anyone. Mail apps' one-click POST (RFC 8058) carries no CSRF token, and needs
# none: the signed token is the proof, and stopping alerts twice is harmless. That POST stops
# the kinds of alert its email was about; the page also offers to stop them all.
@bp.route("/alerts/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str):
    _, kinds = _holder_or_404(token)
    return render_template(
        "consultations_alerts/unsubscribe.html",
        token=token,
        labels=[label for kind, label in alerts.KIND_LABELS.items() if kind in kinds],
        every_kind=kinds == set(m.ALERT_KINDS),
        stop_all=STOP_ALL,
    )


@bp.route("/alerts/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
def unsubscribe_now(token: str):
    user, kinds = _holder_or_404(token)
    if request.form.get("stop") == STOP_ALL:
        kinds = set(m.ALERT_KINDS)
    alerts.unsubscribe(user, kinds)
    db.session.commit()
    left_on = [label for kind, label in alerts.KIND_LABELS.items() if alerts.choice_for(user).wants(kind)]
    return render_template(
        "consultations_alerts/unsubscribed.html", signed_in=current_user.is_authenticated, left_on=left_on
    )
