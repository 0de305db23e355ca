"""Requests to see, correct or delete personal data: the family's forms under /account/your-data,
and the managers' list, recording, decision and export under /manage/data-requests. Thin: they
parse input, call portal.rights.requests (the rules), commit and render."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.files import download_response
from portal.core.forms import form_page, whole_number
from portal.core.rules import RuleError, show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.rights import request_forms as forms
from portal.rights import requests
from portal.rights.models import CORRECTION, DELETION, OUTCOMES, DataRequest

bp = Blueprint("rights_requests", __name__)

families_only = role_required(roles.PARENT, roles.YOUTH)
# Managers see every family's cases (casework.access): a request about a family's data is theirs.
managers_only = role_required(roles.MANAGER)

ASK_FORMS = {CORRECTION: forms.CorrectionForm, DELETION: forms.DeletionForm}


@bp.app_template_global()
def data_requests_due() -> requests.Counts:
    """For the managers' home page: open and overdue requests, in one query. Offered to every
    template from here, so that casework needs nothing from this package."""
    return requests.counts()


# --- the family ------------------------------------------------------------------------------


def _ask(kind: str):
    form = ASK_FORMS[kind]()
    if form.validate_on_submit():
        data_request = requests.ask(current_user, kind, form.what.data, form.why.data)
        db.session.commit()
        return redirect(url_for("rights_requests.family_request", request_id=data_request.id))
    return render_template("rights/ask.html", form=form, kind=kind)


@bp.route("/account/your-data/correct", methods=["GET", "POST"])
@form_page
@families_only
def ask_correction():
    return _ask(CORRECTION)


@bp.route("/account/your-data/delete", methods=["GET", "POST"])
@form_page
@families_only
def ask_deletion():
    return _ask(DELETION)


@bp.route("/account/your-data/requests/<int:request_id>")
@families_only
def family_request(request_id: int):
    data_request = requests.request_of(current_user, request_id)
    if data_request is None:
        abort(404)
    return render_template("rights/family_request.html", data_request=data_request)


# --- managers --------------------------------------------------------------------------------


def _request_or_404(request_id: int) -> DataRequest:
    return db.get_or_404(DataRequest, request_id)


@bp.route("/manage/data-requests")
@managers_only
def requests_list():
    today = london_today()
    return render_template(
        "rights/requests.html",
        open_requests=requests.open_requests(),
        decided=requests.decided_requests(whole_number(request.args.get("page")) or 1),
        days_left=lambda data_request: requests.days_left(data_request, today),
    )


@bp.route("/manage/data-requests/new", methods=["GET", "POST"])
@form_page
@managers_only
def record_request():
    form = forms.RecordForm()
    if form.validate_on_submit():
        try:
            data_request = requests.record(
                current_user,
                kind=form.kind.data,
                who=form.who.data,
                received_on=form.received_on.data,
                channel=form.channel.data,
                what=form.what.data,
            )
        except RuleError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash(
                f"Request {data_request.reference} recorded. It is due by {data_request.due_on:%-d %B %Y}.", "success"
            )
            return redirect(url_for("rights_requests.staff_request", request_id=data_request.id))
    return render_template("rights/record_request.html", form=form)


def _decision_form(data_request: DataRequest) -> forms.DecisionForm:
    form = forms.DecisionForm()
    form.outcome.choices = [SelectChoice(key, words) for key, (words, _) in OUTCOMES[data_request.kind].items()]
    return form


@bp.route("/manage/data-requests/<int:request_id>", methods=["GET", "POST"])
@form_page
@managers_only
def staff_request(request_id: int):
    data_request = _request_or_404(request_id)
    form = _decision_form(data_request)
    if data_request.is_open and form.validate_on_submit():
        try:
            requests.decide(current_user, data_request, form.outcome.data, form.reason.data)
        except RuleError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash(f"Decision recorded. {data_request.contact_name or 'The family'} will be told by email.", "success")
            return redirect(url_for("rights_requests.staff_request", request_id=data_request.id))
    subject = requests.subject_of(data_request)
    # Nobody sees a complaint about themselves (Code 5.4), nor learns its reference.
    shown = [case for case in requests.cases_of(subject) if case.about_staff_id != current_user.id]
    return render_template(
        "rights/staff_request.html",
        data_request=data_request,
        subject=subject,
        found_by=subject.case if subject.case in shown else None,
        cases=shown,
        form=form if data_request.is_open else None,
        days_left=requests.days_left(data_request),
    )


@bp.route("/manage/data-requests/<int:request_id>/export", methods=["POST"])
@managers_only
def export(request_id: int):
    data_request = _request_or_404(request_id)
    try:
        archive = requests.export_for_family(current_user, data_request)
    except RuleError as refused:
        flash(str(refused), "info")
        return redirect(url_for("rights_requests.staff_request", request_id=data_request.id))
    db.session.commit()
    name = f"data-request-{data_request.id}-{london_today().isoformat()}.zip"
    return download_response(archive, "application/zip", name)
