"""The feedback journey at /feedback: one question per page, answers kept in a server-side
draft, a check-your-answers page, and a confirmation with the reference."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.core import kept_pages
from portal.core.files import FileRefused, describe_size
from portal.core.forms import form_page
from portal.core.page_cache import public_page
from portal.core.time import london_today
from portal.equality import offer as equality_offer
from portal.equality import services as equality
from portal.equality.forms import EqualityForm
from portal.equality.questions import FEEDBACK, QUESTIONS
from portal.extensions import csrf, db
from portal.feedback import access, forms, journey, representation, services, summary
from portal.feedback.allowances import LimitReached, address_limit_reached, check_draft_file
from portal.feedback.kind_words import words_for
from portal.feedback.models import REPRESENTATIVES, Case, Category

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

DRAFT_KEY = "feedback_draft"
SUBMITTED_KEY = "submitted_case"
STEP_FORMS = {
    "kind": forms.KindForm,
    "safety": forms.SafetyForm,
    "urgent": forms.UrgentSeenForm,
    "category": forms.CategoryForm,
    "triage": forms.TriageForm,
    "route": forms.RouteForm,
    "details": forms.DetailsForm,
    "child": forms.ChildForm,
    "who": forms.WhoForm,
    "representative": forms.RepresentativeForm,
    "young_person": forms.YoungPersonForm,
    "reply": forms.ReplyForm,
    "contact": forms.ContactForm,
    "adjustments": forms.AdjustmentsForm,
}


def _too_many_forms(reached: LimitReached):
    page = render_template("feedback/too_many_forms.html", reached=reached)
    return page, 429, {"Retry-After": str(reached.retry_after_seconds)}


# --- the journey -----------------------------------------------------------------------------


def _draft():
    """This browser's draft, sent or not (None if it has none, or it expired)."""
    return services.find_draft(session.get(DRAFT_KEY))


def _new_draft():
    draft = services.new_draft(current_user if current_user.is_authenticated else None)
    db.session.flush()
    session[DRAFT_KEY] = draft.key
    # The draft outlives a closed browser tab, for as long as the draft itself is kept.
    session.permanent = True
    return draft


def _show_sent(draft):
    """A draft already sent leads to its confirmation: a refresh or a second click never
    makes a second case."""
    session[SUBMITTED_KEY] = draft.case_id
    # A representative without the family's consent yet cannot follow the case: its page will
    # hold the council's replies, with the child's details. The family follow it themselves.
    if not representation.needs_consent(draft.case) and not access.browser_may_follow(draft.case):
        access.grant_in_this_browser(draft.case)
    db.session.commit()
    return redirect(url_for("feedback.confirmation"))


def _categories() -> list[Category]:
    return db.session.scalars(db.select(Category).order_by(Category.position, Category.name)).all()


def _build_form(step: journey.Step, answers: dict):
    form_class = STEP_FORMS[step.name]
    kwargs = {"complaint": journey.is_complaint(answers), "kind": answers.get("kind")} if step.name == "details" else {}
    form = form_class.from_answers(answers, **kwargs)
    if step.name == "category":
        form.category_id.choices = [forms.SelectChoice(str(c.id), c.name) for c in _categories()]
    if step.name == "contact" and journey.has_representative(answers):
        forms.for_a_representative(form)
    return form


def _step_url(step: journey.Step | None, change: bool = False) -> str:
    if step is None:
        return url_for("feedback.check")
    return url_for("feedback.question", slug=step.slug, change=1 if change else None)


def _after(step: journey.Step, answers: dict, change: bool) -> str:
    if change:
        # Back to the check page, unless the change opened a new question (such as contact
        # details after choosing to have a reply).
        return _step_url(journey.first_incomplete(answers), change=True)
    return _step_url(journey.next_step(answers, step))


def _back_link(step: journey.Step, answers: dict, change: bool) -> str:
    if change:
        return url_for("feedback.check")
    previous = journey.previous_step(answers, step)
    return _step_url(previous) if previous else url_for("feedback.start")


@bp.route("")
@public_page
def start():
    return render_template("feedback/start.html")


# The Start button carries no session token, so that its page is the same for every visitor
# and served from the page cache. Starting holds nothing another site could want, but a post
# from another site would replace the visitor's session (signing them out, or losing a draft),
# so such a post is refused by the headers browsers send with it.
@bp.route("/begin", methods=["POST"])
@csrf.exempt
def begin():
    if request.from_another_site:
        return redirect(url_for("feedback.start"))
    draft = _draft()
    if draft is None or draft.case_id is not None:
        # Only making a new draft counts: someone part way through always carries on.
        reached = address_limit_reached("DRAFT_LIMIT_PER_ADDRESS", "draft-address")
        if reached is not None:
            return _too_many_forms(reached)
        draft = _new_draft()
        db.session.commit()
    return redirect(_step_url(journey.first_incomplete(draft.answers)))


@bp.route("/<slug>", methods=["GET", "POST"])
@form_page
def question(slug: str):
    step = journey.STEP_BY_SLUG.get(slug)
    if step is None or step.name == "evidence":
        abort(404)
    draft = _draft()
    if draft is None:
        return redirect(url_for("feedback.start", expired=1 if session.get(DRAFT_KEY) else None))
    if draft.case_id is not None:
        return _show_sent(draft)
    answers = draft.answers or {}
    if not journey.may_open(answers, step):
        return redirect(_step_url(journey.first_incomplete(answers)))
    change = request.args.get("change") == "1"
    if request.method == "GET":
        # Kept for this browser until its draft changes: going back and forth renders nothing.
        return kept_pages.rendered_for_viewer(
            ("draft", draft.id, draft.updated_at),
            lambda: _question_page(step, answers, _build_form(step, answers), change),
        )
    form = _build_form(step, answers)
    valid = form.validate_on_submit()
    if step.name == "representative" and request.method == "POST":
        # Checked whatever else is wrong, so that a chosen file is kept or its problem shown.
        valid = _take_consent_document(draft, form) and valid
    if valid:
        values = form.answers()
        if request.form.get("work_out"):
            # "Work out my deadline": keep the date and show the page again with the deadline.
            values.pop("route_seen", None)
            services.save_answers(draft, values)
            db.session.commit()
        else:
            services.save_answers(draft, values)
            db.session.commit()
            return redirect(_after(step, draft.answers, change))
    return _question_page(step, answers, form, change)


def _consent_files(draft) -> list:
    return [attachment for attachment in services.draft_attachments(draft) if attachment.consent_document]


def _take_consent_document(draft, form) -> bool:
    """Keep the signed consent chosen on the representative's page; False, with the reason
    on the form, if it was refused or if they said they would upload it and did not."""
    upload = request.files.get("consent_document")
    if upload is not None and upload.filename:
        try:
            checked = check_draft_file(draft, upload)
        except FileRefused as refused:
            form.consent_document.errors.append(str(refused))
            return False
        services.add_attachment(checked, draft=draft).consent_document = True
        services.save_answers(draft, {})
        db.session.commit()
        return True
    if form.consent.data == "upload" and not _consent_files(draft):
        form.consent_document.errors.append("Select the signed consent to upload")
        return False
    return True


def _question_page(step: journey.Step, answers: dict, form, change: bool) -> str:
    return render_template(
        f"feedback/steps/{step.name}.html",
        form=form,
        step=step,
        answers=answers,
        is_complaint=journey.is_complaint(answers),
        back_url=_back_link(step, answers, change),
        mediation_deadline=services.mediation_deadline(form.decision_letter_date.data)
        if step.name == "route"
        and getattr(form, "decision_letter_date", None) is not None
        and not form.decision_letter_date.errors
        else None,
        contact_phone=current_app.config["CONTACT_PHONE"],
        consent_files=_consent_files(_draft()) if step.name == "representative" else [],
        representatives=REPRESENTATIVES,
    )


@bp.route("/evidence", methods=["GET", "POST"])
@form_page
def evidence():
    step = journey.STEP_BY_NAME["evidence"]
    draft = _draft()
    if draft is None:
        return redirect(url_for("feedback.start"))
    if draft.case_id is not None:
        return _show_sent(draft)
    answers = draft.answers or {}
    if not journey.may_open(answers, step):
        return redirect(_step_url(journey.first_incomplete(answers)))
    change = request.args.get("change") == "1"
    form = forms.EvidenceForm()
    attachments = services.draft_attachments(draft)
    if request.method == "POST" and form.validate():
        # A file chosen is uploaded whichever button is pressed: pressing Continue with a file
        # chosen must not drop it.
        upload = request.files.get("evidence")
        chosen = upload is not None and bool(upload.filename)
        added = _add_evidence(draft, upload, form, attachments) if chosen else None
        if "upload" in request.form and not chosen:
            form.evidence.errors.append("Select a file to upload")
        if not form.evidence.errors:
            if added is not None:
                flash(f"{added} has been added.", "success")
            if "upload" in request.form:
                db.session.commit()
                return redirect(url_for("feedback.evidence", change=1 if change else None))
            services.save_answers(draft, {"evidence_seen": True})
            db.session.commit()
            return redirect(_after(step, draft.answers, change))
    return render_template(
        "feedback/steps/evidence.html",
        form=form,
        words=words_for(answers.get("kind")),
        step=step,
        attachments=attachments,
        max_files=services.MAX_FILES,
        max_total=describe_size(current_app.config["UPLOAD_TOTAL_PER_DRAFT"]),
        back_url=_back_link(step, answers, change),
        change=change,
    )


def _add_evidence(draft, upload, form, attachments) -> str | None:
    """Check and keep the chosen file; its name, or None with the reason on the form."""
    if len(attachments) >= services.MAX_FILES:
        form.evidence.errors.append(f"You can upload up to {services.MAX_FILES} files")
        return None
    try:
        checked = check_draft_file(draft, upload)
    except FileRefused as refused:
        form.evidence.errors.append(str(refused))
        return None
    services.add_attachment(checked, draft=draft)
    services.save_answers(draft, {})
    return checked.filename


@bp.route("/evidence/<int:attachment_id>/remove", methods=["POST"])
def remove_evidence(attachment_id: int):
    draft = _draft()
    removed = (
        next((a.filename for a in services.draft_attachments(draft) if a.id == attachment_id), None) if draft else None
    )
    if draft is None or draft.case_id is not None or not services.remove_draft_attachment(draft, attachment_id):
        abort(404)
    db.session.commit()
    flash(f"{removed} has been removed.", "success")
    return redirect(url_for("feedback.evidence", change=request.args.get("change")))


@bp.route("/check-your-answers", methods=["GET", "POST"])
def check():
    draft = _draft()
    if draft is None:
        return redirect(url_for("feedback.start"))
    if draft.case_id is not None:
        return _show_sent(draft)
    answers = draft.answers or {}
    missing = journey.first_incomplete(answers)
    if missing is not None:
        return redirect(_step_url(missing))
    form = forms.ContinueForm()
    if form.validate_on_submit():
        try:
            case = services.submit(draft, current_user)
            db.session.commit()
        except IntegrityError:
            # The same draft was sent twice at once; the other request made the case.
            db.session.rollback()
            case = services.case_for_submission(draft.key)
            if case is None:
                raise
        equality_offer.offer(FEEDBACK)
        return _show_sent(draft)
    category = db.session.get(Category, int(answers["category_id"]))
    letter = answers.get("decision_letter_date")
    sections = summary.check_sections(
        answers,
        category,
        services.draft_attachments(draft),
        services.mediation_deadline(date.fromisoformat(letter) if letter else None),
    )
    return render_template("feedback/check.html", form=form, answers=answers, sections=sections)


@bp.route("/confirmation")
def confirmation():
    case_id = session.get(SUBMITTED_KEY)
    case = db.session.get(Case, case_id) if case_id else None
    if case is None:
        return redirect(url_for("feedback.start"))
    # Sending gave this browser access to the case, anonymous or not, for as long as it lasts:
    # only then is a copy of the answers offered.
    may_see = services.family_can_see(case, current_user, access.browser_may_follow(case))
    db.session.commit()  # the visit that keeps this browser's access alive
    return render_template(
        "feedback/confirmation.html",
        case=case,
        may_see=may_see,
        needs_consent=representation.needs_consent(case),
        equality_url=url_for("feedback.about_you") if equality_offer.is_offered(FEEDBACK) else None,
    )


@bp.route("/questions-about-you", methods=["GET", "POST"])
@form_page
def about_you():
    """The optional equality questions, once, after sending: answered or skipped, they are kept
    (apart from the case, portal.equality) and this browser goes back to its confirmation."""
    if not equality_offer.is_offered(FEEDBACK):
        return redirect(url_for("feedback.confirmation"))
    form = EqualityForm()
    if form.validate_on_submit():
        if form.send.data:
            equality.record(FEEDBACK, form.answers(), london_today())
            flash("Thank you for answering the questions about you.", "success")
        equality_offer.withdraw()
        db.session.commit()
        return redirect(url_for("feedback.confirmation"))
    return render_template(
        "equality/questions.html",
        form=form,
        questions=QUESTIONS,
        action=url_for("feedback.about_you"),
        back=url_for("feedback.confirmation"),
        caption="Your feedback has been sent",
    )
