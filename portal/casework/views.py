"""The caseworker's workspace at /cases: queues, a case's page, and the actions on it."""

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.accounts.permissions import role_required
from portal.casework import access, case_list, clocks, forms, queries, services
from portal.casework.models import CaseOutcome, ResponseTemplate
from portal.core import audit, procedures
from portal.core.complaint_code import STAGE_2
from portal.core.files import FileRefused, check_uploaded, download_response
from portal.core.forms import form_page, whole_number
from portal.core.models import AuditEvent
from portal.core.rules import RuleError, show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback import access_records, representation
from portal.feedback.forms import StaffCaseForm
from portal.feedback.models import (
    CONSENT_METHOD_LABELS,
    STATUS_LABELS,
    AccessRecord,
    Attachment,
    Case,
    CaseMessage,
    Category,
)
from portal.feedback.services import log_case
from portal.themes.queries import active_themes

bp = Blueprint("casework", __name__)
bp.add_app_template_global(case_list.deadline_cell, "deadline_cell")

staff_only = role_required(*access.CASE_STAFF)
managers_only = role_required(roles.MANAGER)


@bp.route("/cases")
@staff_only
def workspace():
    args = request.args
    filters = queries.Filters(
        queue=args.get("queue") if args.get("queue") in queries.QUEUES else "mine",
        q=args.get("q", "")[:200],
        stage=args.get("stage", ""),
        status=args.get("status", "") if args.get("status", "") in STATUS_LABELS else "",
        category=args.get("category", ""),
        urgent=args.get("urgent") == "1",
        sort="newest" if args.get("sort") == "newest" else "deadline",
    )
    page = queries.cases_page(queries.filtered(filters, current_user), whole_number(args.get("page")) or 1)
    today = london_today()
    return render_template(
        "casework/workspace.html",
        page=page,
        rows=case_list.workspace_rows(page.items, today),
        statuses=STATUS_LABELS,
        filters=filters,
        counts=queries.queue_counts(current_user),
        queues=queries.QUEUES,
        categories=db.session.scalars(db.select(Category).order_by(Category.position, Category.name)).all(),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@form_page
@staff_only
def new_case():
    """Log feedback a family gave by phone, letter, email, in person or through a councillor."""
    form = StaffCaseForm()
    form.category_id.choices = [
        SelectChoice(str(category.id), category.name)
        for category in db.session.scalars(db.select(Category).order_by(Category.position, Category.name))
    ]
    if form.validate_on_submit():
        try:
            logged = log_case(
                form.answers(),
                channel=form.channel.data,
                received_on=form.received_on.data,
                actor=current_user,
                files=_files(form),
            )
        except FileRefused as refused:
            db.session.rollback()
            show_on_form(form, RuleError(str(refused), "evidence"))
        else:
            db.session.commit()
            who = logged.caseworker.name if logged.caseworker else "the team's queue"
            flash(f"{logged.reference} logged and routed to {who}.", "success")
            if not access.can_see(logged, current_user):
                return redirect(url_for("casework.workspace"))
            return redirect(url_for("casework.case", reference=logged.reference))
    return render_template("casework/new_case.html", form=form)


def _timeline(case: Case) -> list[dict]:
    """Messages, internal notes, clock changes and recorded events, oldest first."""
    messages = db.session.scalars(
        db.select(CaseMessage)
        .options(db.selectinload(CaseMessage.attachments), db.joinedload(CaseMessage.author))
        .where(CaseMessage.case_id == case.id)
    ).all()
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == Case.__tablename__, AuditEvent.object_id == str(case.id))
    ).all()
    names = (
        {
            user.id: user.name
            for user in db.session.scalars(
                db.select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id}))
            )
        }
        if events
        else {}
    )
    entries = [
        {"at": m.created_at, "kind": "note" if m.internal else ("family" if m.from_family else "council"), "message": m}
        for m in messages
    ]
    entries += [
        {
            "at": e.occurred_at,
            "kind": "event",
            "text": audit.describe(e),
            "who": names.get(
                e.actor_id, "The family" if e.actor_id is None and e.action.startswith("case.family") else "System"
            ),
        }
        for e in events
        if e.action not in ("case.replied", "case.note_added")
    ]
    return sorted(entries, key=lambda entry: entry["at"])


def _case(reference: str) -> Case:
    return access.case_or_404(
        reference,
        current_user,
        db.joinedload(Case.category),
        db.joinedload(Case.caseworker),
        db.joinedload(Case.team),
        db.joinedload(Case.logged_by),
        db.joinedload(Case.about_staff),
        db.selectinload(Case.adjustments),
    )


@bp.route("/cases/<reference>")
@staff_only
def case(reference: str):
    found = _case(reference)
    deadline = clocks.next_deadline(found)
    access_records.record_in_this_request(current_user, found, AccessRecord.VIEWED)
    return render_template(
        "casework/case.html",
        case=found,
        timeline=_timeline(found),
        evidence=[a for a in found.attachments if a.message_id is None],
        deadline=deadline,
        deadline_state=clocks.state(deadline[1]) if deadline else None,
        clock_history=clocks.history(found),
        outcomes=db.session.scalars(
            db.select(CaseOutcome)
            .options(db.selectinload(CaseOutcome.remedies), db.selectinload(CaseOutcome.themes))
            .where(CaseOutcome.case_id == found.id)
            .order_by(CaseOutcome.id)
        ).all(),
        status_label=STATUS_LABELS.get(found.status, found.status),
        ombudsman=services.ombudsman_referral(found),
        late_decision_needed=services.late_decision_needed(found),
        procedure=procedures.procedure_of(found),
        today=london_today(),
        actions=[(name, action) for name, action in ACTIONS.items() if action.open_to(found, current_user)],
        access_log_open=current_user.role == roles.MANAGER,
        messages_sent=services.messages_to_family(found),
        consent_documents=representation.consent_documents(found),
        consent_open=ACTIONS["consent"].open_to(found, current_user),
        consent_method_labels=CONSENT_METHOD_LABELS,
    )


@bp.route("/cases/<reference>/files/<int:attachment_id>")
@staff_only
def download(reference: str, attachment_id: int):
    found = _case(reference)
    attachment = db.session.scalar(
        db.select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == found.id)
    )
    if attachment is None:
        abort(404)
    access_records.record_in_this_request(current_user, found, AccessRecord.DOWNLOADED, attachment)
    return download_response(attachment.blob.data, attachment.content_type, attachment.filename)


@bp.route("/cases/<reference>/access-log")
@managers_only
def access_log(reference: str):
    """Who has opened the case, downloaded its files or exported it, newest first. Reading the
    log is not itself recorded: it shows who looked, not the case."""
    found = access.case_or_404(reference, current_user)
    return render_template(
        "casework/access_log.html",
        case=found,
        page=access_records.page_of(found, whole_number(request.args.get("page")) or 1),
    )


# --- actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    form: type
    run: Callable
    allowed: Callable[[Case], bool]
    done: str
    template: str = "casework/action.html"
    prepare: Callable | None = None
    # For a form with a "preview" button: the text the family would get, nothing saved.
    preview: Callable | None = None
    # Who may take it, when not every case worker may.
    roles: tuple[str, ...] | None = None

    def open_to(self, case: Case, person) -> bool:
        return self.allowed(case) and (self.roles is None or person.role in self.roles)


def _files(form) -> list:
    checked = check_uploaded(request.files.get("evidence"))
    return [checked] if checked else []


def _prepare_reply(form, case):
    """Offer the response templates. Choosing one adds its text after whatever the caseworker
    has typed already (never over it), and sends nothing: ``stay`` keeps the form open."""
    templates = db.session.scalars(db.select(ResponseTemplate).order_by(ResponseTemplate.name)).all()
    added = request.method == "POST" and request.form.get("use_template")
    chosen = whole_number(request.form.get("use_template") if added else request.args.get("template"))
    template = next((t for t in templates if t.id == chosen), None) if chosen else None
    if template is not None and (added or request.method == "GET"):
        typed = (form.body.data or "").strip()
        filled = services.fill_template(template, case, current_user)
        form.body.data = f"{typed}\n\n{filled}" if typed else filled
    return {"templates": templates, "stay": bool(added)}


def _prepare_acknowledge(form, case):
    if request.method == "GET" and not form.body.data:
        form.body.data = services.draft_acknowledgement(case, current_user)
    if not (case.is_complaint and case.stage):
        del form.understanding
        del form.outcome
    elif request.method == "GET":
        form.understanding.data = case.complaint_understood or case.what_happened
        form.outcome.data = case.outcome_understood or case.outcome_wanted
    return {}


def _prepare_transfer(form, case):
    # A review at stage 2 or later can go to a manager too (routing.assign says who may take it).
    allowed = (roles.CASEWORKER, roles.MANAGER) if (case.stage or 1) >= STAGE_2 else (roles.CASEWORKER,)
    caseworkers = db.session.scalars(
        db.select(User).where(User.role.in_(allowed), User.disabled_at.is_(None)).order_by(User.name)
    ).all()
    teams = db.session.scalars(db.select(Team).order_by(Team.name)).all()
    form.caseworker.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(person.id), f"{person.name}" + (f" ({person.team.name})" if person.team else ""))
        for person in caseworkers
    ]
    form.team.choices = [SelectChoice("", "Keep the case's team")] + [
        SelectChoice(str(team.id), team.name) for team in teams
    ]
    return {}


def _prepare_outcome(form, case):
    form.themes.choices = [SelectChoice(theme.id, theme.name) for theme in active_themes()]
    if services.asks_for_finding(case):
        form.summary.label.text = "Our decision on each point, with the reasons"
        if request.method == "GET":
            form.complaint.data = case.complaint_understood or case.what_happened
        return {"remedies": [row.form for row in form.remedy]}
    del form.outcome
    del form.complaint
    del form.remedy
    return {"remedies": []}


def _response_as_typed(form) -> dict:
    # The finding, the complaint and the remedies are asked only when services.asks_for_finding:
    # otherwise their fields are deleted.
    finding = getattr(form, "outcome", None)
    complaint = getattr(form, "complaint", None)
    rows = getattr(form, "remedy", None)
    return dict(
        outcome=finding.data if finding is not None else None,
        summary=form.summary.data,
        remedies=[row.form.as_typed() for row in rows] if rows is not None else [],
        complaint=complaint.data if complaint is not None else None,
        still_to_do=form.still_to_do.data,
    )


def _run_outcome(case, form):
    services.record_outcome(case, current_user, theme_ids=form.themes.data or [], **_response_as_typed(form))


def _run_transfer(case, form):
    caseworker = db.session.get(User, int(form.caseworker.data)) if form.caseworker.data else None
    team = db.session.get(Team, int(form.team.data)) if form.team.data else None
    services.transfer(case, current_user, caseworker=caseworker, team=team, reason=form.reason.data)


def _prepare_consent(form, case):
    sent = representation.files_sent(case)
    if sent:
        form.document.choices = [
            SelectChoice(str(attachment.id), f"{attachment.filename}, sent {attachment.created_at:%-d %B %Y}")
            for attachment in sent
        ]
    else:
        del form.document
    return {}


def _prepare_support(form, case):
    form.which.choices = [
        SelectChoice(
            str(item.id),
            item.label + (f": {item.detail}" if item.detail else "") + f" ({item.status.replace('_', ' ')})",
        )
        for item in case.adjustments
    ] + [SelectChoice(forms.NEW_ADJUSTMENT, "Something new the family has asked for")]
    return {}


def _prepare_remedy(form, case):
    form.remedy.choices = [
        SelectChoice(
            str(remedy.id),
            remedy.description + (f" (due {remedy.due_on:%-d %B %Y})" if remedy.due_on else ""),
        )
        for remedy in services.outstanding_remedies(case)
    ]
    return {}


def _prepare_about_staff(form, case):
    staff = db.session.scalars(
        db.select(User)
        .where(User.role.in_((roles.CASEWORKER, roles.MANAGER)), User.disabled_at.is_(None))
        .order_by(User.name)
    ).all()
    form.person.choices = [SelectChoice("", "Choose a member of staff")] + [
        SelectChoice(str(person.id), person.name + (f" ({person.team.name})" if person.team else ""))
        for person in staff
    ]
    return {}


def _prepare_ombudsman(form, case):
    referral = services.ombudsman_referral(case)
    if request.method == "GET" and referral is not None:
        form.notified_on.data = referral.notified_on
        form.decision.data = referral.decision
    return {}


ACTIONS: dict[str, Action] = {
    "acknowledge": Action(
        "Acknowledge",
        forms.AcknowledgeForm,
        lambda case, form: services.acknowledge(
            case,
            current_user,
            form.body.data,
            understanding=getattr(form, "understanding", None) and form.understanding.data,
            outcome=getattr(form, "outcome", None) and form.outcome.data,
        ),
        services.can_acknowledge,
        "Acknowledged. The family has been told.",
        prepare=_prepare_acknowledge,
    ),
    "reply": Action(
        "Reply to the family",
        forms.ReplyForm,
        lambda case, form: services.reply(case, current_user, form.body.data, _files(form)),
        services.can_reply,
        "Reply sent.",
        template="casework/reply.html",
        prepare=_prepare_reply,
    ),
    "note": Action(
        "Add an internal note",
        forms.NoteForm,
        lambda case, form: services.add_note(case, current_user, form.body.data),
        services.can_add_note,
        "Note added.",
    ),
    "request-information": Action(
        "Ask the family for more information",
        forms.RequestInformationForm,
        lambda case, form: services.request_information(case, current_user, form.body.data),
        services.can_request_information,
        "Request sent.",
    ),
    "extend": Action(
        "Extend the response deadline",
        forms.ExtendForm,
        lambda case, form: services.extend(case, current_user, form.working_days.data, form.reason.data),
        services.can_extend,
        "Deadline extended. The family has been told the new date and why.",
        template="casework/extend.html",
        prepare=lambda form, case: {"extended": clocks.extended_days(case), "rules": procedures.stage_of(case)},
    ),
    "outcome": Action(
        "Record the response",
        forms.OutcomeForm,
        _run_outcome,
        services.can_record_outcome,
        "Response recorded and sent.",
        template="casework/outcome.html",
        prepare=_prepare_outcome,
        preview=lambda case, form: services.preview_outcome(case, **_response_as_typed(form)),
    ),
    "transfer": Action(
        "Transfer the case",
        forms.TransferForm,
        _run_transfer,
        services.can_transfer,
        "Case transferred.",
        prepare=_prepare_transfer,
    ),
    "not-a-complaint": Action(
        "Mark as not a complaint",
        forms.NotComplaintForm,
        lambda case, form: services.mark_not_a_complaint(case, current_user, form.reason.data, form.signposting.data),
        services.can_mark_not_a_complaint,
        "Marked as not a complaint. The family has been told where to go.",
    ),
    "close": Action(
        "Close the case",
        forms.CloseForm,
        lambda case, form: services.close(case, current_user),
        services.can_close,
        "Case closed.",
        template="casework/close.html",
        prepare=lambda form, case: {"after": services.after_closing(case)},
    ),
    "procedure": Action(
        "Change the complaints procedure",
        forms.ProcedureForm,
        lambda case, form: services.change_procedure(case, current_user, form.procedure.data, form.reason.data),
        services.can_change_procedure,
        "Procedure changed. The family has been told.",
        roles=(roles.MANAGER,),
    ),
    "support": Action(
        "Record support the family needs",
        forms.AdjustmentForm,
        lambda case, form: services.record_adjustment(
            case,
            current_user,
            None if form.which.data == forms.NEW_ADJUSTMENT else whole_number(form.which.data),
            kind=form.kind.data,
            detail=form.detail.data,
            status=form.status.data,
            reason=form.reason.data,
            review_on=form.review_on.data,
        ),
        lambda case: case.is_open,
        "Support recorded.",
        prepare=_prepare_support,
    ),
    "remedy": Action(
        "Update a promised remedy",
        forms.RemedyUpdateForm,
        lambda case, form: services.update_remedy(
            case,
            current_user,
            whole_number(form.remedy.data),
            done=form.what.data == "done",
            on=form.on.data,
            note=form.note.data,
            new_due_on=form.new_due_on.data,
        ),
        services.can_update_remedy,
        "Update recorded and sent to the family.",
        prepare=_prepare_remedy,
    ),
    "about-staff": Action(
        "Mark as about a member of staff",
        forms.AboutStaffForm,
        lambda case, form: services.mark_about_staff(
            case, current_user, db.session.get(User, whole_number(form.person.data) or 0), form.reason.data
        ),
        services.can_mark_about_staff,
        "Marked. That member of staff can no longer see or be given this case.",
        prepare=_prepare_about_staff,
    ),
    "late-complaint": Action(
        "Decide on a late complaint",
        forms.LateComplaintForm,
        lambda case, form: services.decide_late_complaint(
            case, current_user, accept=form.decision.data == "accept", reason=form.reason.data
        ),
        services.can_decide_late_complaint,
        "Decision recorded.",
        template="casework/late_complaint.html",
    ),
    "stage-2-request": Action(
        "Record a request for the next stage",
        forms.Stage2RequestForm,
        lambda case, form: services.log_next_stage_request(
            case,
            current_user,
            requested_on=form.requested_on.data,
            channel=form.channel.data,
            what_they_said=form.what_they_said.data,
        ),
        services.can_log_next_stage_request,
        "Request recorded. The next stage's clock runs from the day the family asked.",
    ),
    "ombudsman": Action(
        "Record an Ombudsman referral",
        forms.OmbudsmanForm,
        lambda case, form: services.record_ombudsman(case, current_user, form.notified_on.data, form.decision.data),
        services.can_record_ombudsman,
        "Ombudsman referral recorded.",
        prepare=_prepare_ombudsman,
    ),
    "reached": Action(
        "Reach the family another way",
        forms.ReachedForm,
        lambda case, form: services.record_reached_another_way(case, current_user, form.body.data),
        services.has_undelivered,
        "Recorded. The task is done.",
    ),
    "consent": Action(
        "Record the family's consent",
        forms.ConsentForm,
        lambda case, form: representation.record_consent(
            case,
            current_user,
            method=form.method.data,
            given_on=form.given_on.data,
            document_id=whole_number(form.document.data) if "document" in form else None,
        ),
        representation.can_record_consent,
        "Consent recorded. The representative will be sent details from now on.",
        prepare=_prepare_consent,
    ),
    "reopen": Action(
        "Reopen the case",
        forms.ReopenForm,
        lambda case, form: services.reopen(case, current_user, form.reason.data),
        services.can_reopen,
        "Case reopened.",
    ),
}


@bp.route("/cases/<reference>/<action_name>", methods=["GET", "POST"])
@form_page
@staff_only
def action(reference: str, action_name: str):
    action = ACTIONS.get(action_name)
    if action is None:
        abort(404)
    found = _case(reference)
    if not action.open_to(found, current_user):
        flash(f"You cannot {action.title[0].lower() + action.title[1:]} for this case now.", "info")
        return redirect(url_for("casework.case", reference=found.reference))
    form = action.form()
    extra = action.prepare(form, found) if action.prepare else {}
    # A button that changes the form without sending it (adding a template's text).
    staying = extra.pop("stay", False)
    if not staying and form.validate_on_submit():
        if action.preview is not None and request.form.get("preview"):
            # Show the family's text under the form, with everything typed kept; nothing saved.
            try:
                extra["preview"] = action.preview(found, form)
            except RuleError as refused:
                show_on_form(form, refused)
        else:
            done = _run(action, found, form)
            if done is not None:
                return done
            found = _case(reference)
    if request.method == "GET":
        # Opening the page is the look; a POST from it comes after that GET, and the change it
        # makes is in the audit log.
        access_records.record_in_this_request(current_user, found, AccessRecord.VIEWED)
    return render_template(action.template, case=found, form=form, action=action, action_name=action_name, **extra)


def _run(action: Action, found: Case, form):
    """Take the action and commit, then go back to the case; on a refusal, roll back, put the
    reason on the form and return None."""
    try:
        action.run(found, form)
    except RuleError as refused:
        db.session.rollback()
        show_on_form(form, refused)
        return None
    except FileRefused as refused:
        db.session.rollback()
        show_on_form(form, RuleError(str(refused), "evidence"))
        return None
    db.session.commit()
    flash(action.done, "success")
    if not access.can_see(found, current_user):
        # Transferred out of the caseworker's reach: back to their cases, not a 404.
        return redirect(url_for("casework.workspace"))
    return redirect(url_for("casework.case", reference=found.reference))
