"""Managers write consultations at /manage/consultations: details, questions, publishing.

Thin: the views parse the forms, call portal.consultations.authoring (the rules), commit and
render. Moderation, results and outcomes live in moderation_views.py under the same prefix.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import authoring
from portal.consultations import manage_forms as forms
from portal.consultations import models as m
from portal.core import audit
from portal.core.forms import form_page
from portal.core.time import london_today
from portal.extensions import db

bp = Blueprint("consultations_manage", __name__, url_prefix="/manage/consultations")

managers_only = role_required(roles.MANAGER)

# Pages of the moderation blueprint, linked by address so that these pages do not depend on it.

TITLE_CLASH = "Another consultation with a title like this was saved at the same moment. Save again"

STATE_TAGS = {
    m.DRAFT: "govuk-tag--grey",
    m.UPCOMING: "govuk-tag--light-blue",
    m.OPEN: "govuk-tag--green",
    m.CLOSED: "govuk-tag--orange",
    m.OUTCOME_PUBLISHED: "govuk-tag--purple",
}


@bp.context_processor
def shared():
    return {
        "state_labels": m.STATE_LABELS,
        "state_tags": STATE_TAGS,
        "moderation_queue": url_for("consultations_moderation.queue"),
    }


def _consultation_or_404(consultation_id: int, *, lock: bool = False) -> m.Consultation:
    """The consultation; locked for the rest of the transaction when about to be changed, so
    that two managers (one publishing, one adding a question) take turns."""
    query = db.select(m.Consultation).where(m.Consultation.id == consultation_id)
    if lock:
        query = query.with_for_update()
    consultation = db.session.scalar(query)
    if consultation is None:
        abort(404)
    return consultation


def _question_or_404(consultation: m.Consultation, question_id: int) -> m.Question:
    question = db.session.get(m.Question, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _show_problems(form, error: authoring.AuthoringError) -> None:
    """Put each problem next to its field; one with no field goes next to the first field."""
    for name, message in error.problems.items():
        field = getattr(form, name or "", None) or next(f for f in form if f.name != "csrf_token")
        field.errors.append(message)


def _to_consultation(consultation_id: int, anchor: str | None = None):
    """Back to the consultation's page. ``anchor`` is for when nothing was said: a message opens
    the page at its top, where it is shown (and a confirmation focused)."""
    return redirect(url_for("consultations_manage.consultation", consultation_id=consultation_id, _anchor=anchor))


# --- the list ---------------------------------------------------------------------------------


@bp.route("")
@managers_only
def index():
    today = london_today()
    return render_template("consultations_manage/index.html", groups=authoring.overview(today), today=today)


# --- details ----------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@form_page
@managers_only
def new():
    form = forms.ConsultationForm()
    if form.validate_on_submit():
        try:
            consultation = authoring.create(current_user, form.details(), london_today())
            db.session.commit()
        except authoring.AuthoringError as problem:
            db.session.rollback()
            _show_problems(form, problem)
        except IntegrityError:  # the same address, taken by someone else a moment ago
            db.session.rollback()
            form.title.errors.append(TITLE_CLASH)
        else:
            flash(f"\u201c{consultation.title}\u201d saved as a draft. Add its questions, then publish it.", "success")
            return _to_consultation(consultation.id)
    return render_template("consultations_manage/details.html", form=form, consultation=None)


@bp.route("/<int:consultation_id>")
@managers_only
def consultation(consultation_id: int):
    today = london_today()
    consultation = db.session.scalar(
        db.select(m.Consultation)
        .where(m.Consultation.id == consultation_id)
        .options(selectinload(m.Consultation.questions).selectinload(m.Question.options))
    )
    if consultation is None:
        abort(404)
    state = consultation.state(today)
    return render_template(
        "consultations_manage/consultation.html",
        consultation=consultation,
        state=state,
        today=today,
        counts=authoring.counts([consultation.id]).get(consultation.id, authoring.Counts()),
        audience_locked=authoring.has_responses(consultation),
        events=audit.history(consultation),
        public_path=f"/consultations/{consultation.slug}",
        results_path=url_for("consultations_moderation.results_page", consultation_id=consultation.id),
        outcome_path=url_for("consultations_moderation.outcome_page", consultation_id=consultation.id),
        export_path=url_for("consultations_moderation.export_csv", consultation_id=consultation.id),
    )


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@form_page
@managers_only
def edit(consultation_id: int):
    consultation = _consultation_or_404(consultation_id, lock=request.method == "POST")
    form = forms.ConsultationForm.of(consultation) if request.method == "GET" else forms.ConsultationForm()
    if form.validate_on_submit():
        try:
            changed = authoring.change(current_user, consultation, form.details(), london_today())
            db.session.commit()
        except authoring.AuthoringError as problem:
            db.session.rollback()
            _show_problems(form, problem)
        except IntegrityError:
            db.session.rollback()
            form.title.errors.append(TITLE_CLASH)
        else:
            if changed:
                flash("Your changes have been saved.", "success")
            return _to_consultation(consultation.id)
    return render_template(
        "consultations_manage/details.html",
        form=form,
        consultation=consultation,
        state=consultation.state(london_today()),
        audience_locked=authoring.has_responses(consultation),
    )


# --- questions --------------------------------------------------------------------------------


def _refuse_if_locked(consultation: m.Consultation):
    """Questions change only in a draft: anything else goes back to the consultation's page,
    which says why."""
    if consultation.state(london_today()) != m.DRAFT:
        flash(authoring.QUESTIONS_LOCKED + ".", "error")
        return _to_consultation(consultation.id)
    return None


def _save_question(form, consultation_id: int, change):
    """Run ``change`` and commit; the redirect when done, or None to show the form again."""
    try:
        done = change()
        db.session.commit()
    except authoring.AuthoringError as problem:
        db.session.rollback()
        if None in problem.problems:  # published in the meantime
            flash(problem.problems[None] + ".", "error")
            return _to_consultation(consultation_id)
        _show_problems(form, problem)
        return None
    if done:
        flash(done, "success")
        return _to_consultation(consultation_id)
    return _to_consultation(consultation_id, "questions")


@bp.route("/<int:consultation_id>/questions/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_question(consultation_id: int):
    consultation = _consultation_or_404(consultation_id, lock=request.method == "POST")
    if (refused := _refuse_if_locked(consultation)) is not None:
        return refused
    form = forms.QuestionForm(data={"required": forms.NO} if request.method == "GET" else None)
    if form.validate_on_submit():

        def change():
            question = authoring.add_question(current_user, consultation, form.details(), london_today())
            return f"Question {question.position + 1} added."

        if (done := _save_question(form, consultation_id, change)) is not None:
            return done
    return render_template(
        "consultations_manage/question.html",
        form=form,
        consultation=consultation,
        question=None,
        number=len(consultation.questions) + 1,
    )


@bp.route("/<int:consultation_id>/questions/<int:question_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_question(consultation_id: int, question_id: int):
    consultation = _consultation_or_404(consultation_id, lock=request.method == "POST")
    question = _question_or_404(consultation, question_id)
    if (refused := _refuse_if_locked(consultation)) is not None:
        return refused
    form = forms.QuestionForm.of(question) if request.method == "GET" else forms.QuestionForm()
    number = question.position + 1
    if form.validate_on_submit():

        def change():
            changed = authoring.change_question(current_user, consultation, question, form.details(), london_today())
            return f"Question {number} saved." if changed else None

        if (done := _save_question(form, consultation_id, change)) is not None:
            return done
    return render_template(
        "consultations_manage/question.html", form=form, consultation=consultation, question=question, number=number
    )


@bp.route("/<int:consultation_id>/questions/<int:question_id>/delete", methods=["POST"])
@managers_only
def delete_question(consultation_id: int, question_id: int):
    consultation = _consultation_or_404(consultation_id, lock=True)
    question = _question_or_404(consultation, question_id)
    if (refused := _refuse_if_locked(consultation)) is not None:
        return refused
    prompt = question.prompt
    authoring.remove_question(current_user, consultation, question, london_today())
    db.session.commit()
    flash(f"Question \u201c{prompt}\u201d removed.", "success")
    return _to_consultation(consultation_id)


@bp.route("/<int:consultation_id>/questions/<int:question_id>/move", methods=["POST"])
@managers_only
def move_question(consultation_id: int, question_id: int):
    consultation = _consultation_or_404(consultation_id, lock=True)
    question = _question_or_404(consultation, question_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    if (refused := _refuse_if_locked(consultation)) is not None:
        return refused
    if authoring.move_question(current_user, consultation, question, direction, london_today()):
        db.session.commit()
        flash(f"\u201c{question.prompt}\u201d is now question {question.position + 1}.", "success")
        return _to_consultation(consultation_id)
    return _to_consultation(consultation_id, f"question-{question.id}")


# --- publishing -------------------------------------------------------------------------------


@bp.route("/<int:consultation_id>/publish", methods=["GET", "POST"])
@form_page
@managers_only
def publish(consultation_id: int):
    today = london_today()
    consultation = _consultation_or_404(consultation_id, lock=request.method == "POST")
    if consultation.state(today) != m.DRAFT:
        flash("This consultation has already been published.", "info")
        return _to_consultation(consultation.id)
    form = forms.PublishForm()
    if form.validate_on_submit():
        try:
            state = authoring.publish(current_user, consultation, today)
            db.session.commit()
        except authoring.AuthoringError:
            db.session.rollback()  # the page lists what is missing
        else:
            if state == m.OPEN:
                message = f"\u201c{consultation.title}\u201d is published and open now, until {consultation.closes_on:%-d %B %Y}."
            else:
                message = (
                    f"\u201c{consultation.title}\u201d is published. It opens on {consultation.opens_on:%-d %B %Y}."
                )
            flash(message, "success")
            return _to_consultation(consultation.id)
    return render_template(
        "consultations_manage/publish.html",
        form=form,
        consultation=consultation,
        problems=authoring.publish_problems(consultation, today),
        opens_on=authoring.opens_on_publishing(consultation, today),
        today=today,
    )
