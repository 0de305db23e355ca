"""The retention schedule's admin page: each kind of record, how long it is kept and what
happens then, the form that changes a period, and the last runs of ``flask retention apply``."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core import retention
from portal.core.forms import form_page
from portal.extensions import db
from portal.retention.apply import recent_runs
from portal.retention.forms import PeriodForm
from portal.retention.report import verb

bp = Blueprint("retention", __name__)


@bp.route("/admin/retention")
@role_required(roles.ADMIN)
def schedule():
    return render_template(
        "retention/schedule.html",
        periods=retention.schedule(),
        labels=retention.LABELS,
        counted_from=retention.COUNTED_FROM,
        anonymised=retention.ANONYMISED,
        fixed=retention.FIXED,
        runs=recent_runs(),
        verb=verb,
    )


@bp.route("/admin/retention/<kind>", methods=["GET", "POST"])
@form_page
@role_required(roles.ADMIN)
def change(kind: str):
    if kind not in retention.DEFAULTS or kind in retention.FIXED:
        abort(404)
    current = retention.schedule()[kind]
    form = PeriodForm(data={"amount": current.amount, "unit": current.unit} if request.method == "GET" else None)
    if form.validate_on_submit():
        period = retention.Period(form.amount.data, form.unit.data)
        problem = retention.out_of_limits(kind, period)
        if problem:
            form.amount.errors.append(problem)
        else:
            if retention.set_period(current_user, kind, period):
                db.session.commit()
                flash(f"Saved. {retention.LABELS[kind]}: {period.text} {retention.COUNTED_FROM[kind]}.", "success")
            return redirect(url_for("retention.schedule"))
    least, most = retention.LIMITS[kind]
    return render_template(
        "retention/change.html",
        form=form,
        kind=kind,
        label=retention.LABELS[kind],
        counted_from=retention.COUNTED_FROM[kind],
        anonymised=kind in retention.ANONYMISED,
        least=least,
        most=most,
    )
