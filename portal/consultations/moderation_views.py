"""Moderation, results, export and the published outcome, under /manage/consultations.

Managers only. Thin: the views parse input, call portal.consultations.moderation, results,
export or outcome (the rules), commit and render.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.permissions import role_required
from portal.consultations import export, moderation, outcome, results
from portal.consultations import models as m
from portal.consultations import moderation_forms as forms
from portal.core.exports import csv_response
from portal.core.forms import form_page, whole_number
from portal.core.rules import show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.themes.queries import active_themes

bp = Blueprint("consultations_moderation", __name__, url_prefix="/manage/consultations")

managers_only = role_required(roles.MANAGER)

DONE = {
    moderation.APPROVE: "{What} approved. The author has been told.",
    moderation.REDACT: "{What} approved with words removed. The author has been told why.",
    moderation.HIDE: "{What} hidden. The author has been told why.",
    moderation.SAFEGUARD: "{What} passed to safeguarding. The children's advice and support service has been sent it, "
    "and the author has been told someone may contact them.",
}


def _consultation_or_404(consultation_id: int) -> m.Consultation:
    """A published consultation (a draft has no answers, results or outcome), with its
    questions and their options."""
    consultation = db.session.scalar(
        sa.select(m.Consultation)
        .where(m.Consultation.id == consultation_id)
        .options(db.selectinload(m.Consultation.questions).selectinload(m.Question.options))
    )
    if consultation is None or consultation.published_at is None:
        abort(404)
    return consultation


def _moderator(post) -> User | None:
    return db.session.get(User, post.moderated_by_id) if post.moderated_by_id else None


# --- the queue ---------------------------------------------------------------------------------


@bp.route("/moderation")
@managers_only
def queue():
    page = request.args.get("page", "")
    return render_template(
        "consultations_moderation/queue.html",
        page=moderation.queue_page(whole_number(page) or 1),
        role_labels=roles.LABELS,
    )


# --- decisions ---------------------------------------------------------------------------------


def _decided(what: str, decision: str, changed: bool):
    if changed:
        flash(DONE[decision].format(What=what), "success")
    else:
        flash(f"Nothing changed: the {what.lower()} was already decided that way.", "info")
    return redirect(url_for(".queue"))


@bp.route("/moderation/responses/<int:response_id>", methods=["GET", "POST"])
@form_page
@managers_only
def decide_response(response_id: int):
    response = moderation.submitted_response(response_id)
    if response is None:
        abort(404)
    editable = moderation.words_of(response)
    form = forms.decision_form([(f"answer_{answer.id}", answer.question.prompt, answer.text) for answer in editable])
    if form.validate_on_submit():
        texts = {answer.id: form[f"answer_{answer.id}"].data for answer in editable}
        try:
            changed = moderation.decide_response(
                current_user, response, form.decision.data, reason=form.reason.data, texts=texts
            )
        except moderation.ModerationError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            return _decided("Response", form.decision.data, changed)
    return render_template(
        "consultations_moderation/response.html",
        form=form,
        response=response,
        answers=moderation.answers_in_order(response),
        answer_shown=moderation.answer_shown,
        moderator=_moderator(response),
        role_labels=roles.LABELS,
        hints=forms.DECISION_HINTS,
    )


@bp.route("/moderation/comments/<int:comment_id>", methods=["GET", "POST"])
@form_page
@managers_only
def decide_comment(comment_id: int):
    comment = moderation.comment_on_submitted(comment_id)
    if comment is None:
        abort(404)
    form = forms.decision_form([("body", "The comment", comment.body)])
    if form.validate_on_submit():
        try:
            changed = moderation.decide_comment(
                current_user, comment, form.decision.data, reason=form.reason.data, body=form.body.data
            )
        except moderation.ModerationError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            return _decided("Comment", form.decision.data, changed)
    return render_template(
        "consultations_moderation/comment.html",
        form=form,
        comment=comment,
        moderator=_moderator(comment),
        role_labels=roles.LABELS,
        hints=forms.DECISION_HINTS,
    )


# --- results and themes --------------------------------------------------------------------------


@bp.route("/<int:consultation_id>/results")
@managers_only
def results_page(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    return render_template(
        "consultations_moderation/results.html",
        consultation=consultation,
        state=consultation.state(london_today()),
        totals=results.totals(consultation),
        charts={chart.question.id: chart for chart in results.charts(consultation)},
        texts=results.text_answers(consultation),
        themes=active_themes(),
        role_labels=roles.LABELS,
        channel_labels=m.CHANNEL_LABELS,
        participant_labels=m.PARTICIPANT_LABELS,
        offline_path=f"/manage/consultations/{consultation.id}/offline-answers",
    )


@bp.route("/<int:consultation_id>/answers/<int:answer_id>/themes", methods=["GET", "POST"])
@form_page
@managers_only
def answer_themes(consultation_id: int, answer_id: int):
    consultation = _consultation_or_404(consultation_id)
    answer = results.answer_in(consultation, answer_id)
    if answer is None or answer.response.moderation == m.SAFEGUARDING:  # its words are not shown to tag
        abort(404)
    themes = active_themes()
    form = forms.ThemesForm(data={"themes": [theme.id for theme in answer.themes]} if request.method == "GET" else None)
    form.themes.choices = [(theme.id, theme.name) for theme in themes]
    if form.validate_on_submit():
        if results.set_answer_themes(current_user, answer, form.themes.data or []):
            db.session.commit()
            flash("Learning themes saved.", "success")
            # At the top of the results, where the confirmation is shown and focused.
            return redirect(url_for(".results_page", consultation_id=consultation.id))
        return redirect(url_for(".results_page", consultation_id=consultation.id, _anchor=f"answer-{answer.id}"))
    question = next(question for question in consultation.questions if question.id == answer.question_id)
    return render_template(
        "consultations_moderation/answer_themes.html",
        form=form,
        consultation=consultation,
        answer=answer,
        question=question,
        retired=[theme for theme in answer.themes if not theme.active],
        role_labels=roles.LABELS,
    )


@bp.route("/<int:consultation_id>/export.csv")
@managers_only
def export_csv(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    return csv_response(export.filename(consultation), export.header(consultation), export.rows(consultation))


# --- the outcome ---------------------------------------------------------------------------------


@bp.route("/<int:consultation_id>/outcome", methods=["GET", "POST"])
@form_page
@managers_only
def outcome_page(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    today = london_today()
    if not outcome.may_write(consultation, today):
        return render_template(
            "consultations_moderation/outcome_not_yet.html", consultation=consultation, state=consultation.state(today)
        )
    form = forms.OutcomeForm(obj=consultation if request.method == "GET" else None)
    if form.validate_on_submit():
        words = {name: form[name].data for name in outcome.FIELDS}
        published_before = consultation.outcome_published_at is not None
        try:
            if form.publish.data:
                told = outcome.publish(current_user, consultation, today, **words)
                changed = True
            else:
                changed = outcome.save_draft(current_user, consultation, today, **words)
        except outcome.OutcomeError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            if form.publish.data and published_before:
                flash("Corrections saved. The public page shows them now; no one has been emailed again.", "success")
            elif form.publish.data:
                flash(
                    f"Outcome published. {told} {'person who' if told == 1 else 'people who'} took part "
                    f"{'has' if told == 1 else 'have'} been emailed a link to it.",
                    "success",
                )
            elif changed:
                flash("Draft saved. It is not public until you publish it.", "success")
            return redirect(url_for(".outcome_page", consultation_id=consultation.id))
    return render_template(
        "consultations_moderation/outcome.html",
        form=form,
        consultation=consultation,
        state=consultation.state(today),
        totals=results.totals(consultation),
        charts=results.charts(consultation),
        board_url=moderation.board_url(consultation),
    )
