"""The public co-production board at /consultations, and answering it.

Anyone may read the board and each consultation; signed-in parents and youth forum members in
a consultation's audience answer it, say "I agree" and comment. Thin views: they parse the
request, call portal.consultations.answering (the rules) or board (the queries), commit and
render. Drafts are never public: their addresses answer 404.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import answering
from portal.consultations import board as queries
from portal.consultations import forms as answer_forms
from portal.consultations.models import APPROVED, FORUM_VOICE, OWN_VOICE, PUBLIC, STATE_LABELS, Consultation, first_name
from portal.core.forms import form_page, whole_number
from portal.core.time import format_day, london_today
from portal.extensions import db

bp = Blueprint("consultations", __name__, url_prefix="/consultations")

members_only = role_required(roles.PARENT, roles.YOUTH)


def _published_or_404(slug: str) -> Consultation:
    consultation = queries.published(slug)
    if consultation is None:
        abort(404)
    return consultation


def _voice_or_404(consultation: Consultation) -> str:
    voice = request.args.get("voice") or OWN_VOICE
    if voice not in answering.VOICES or (voice == FORUM_VOICE and not consultation.forum_may_answer):
        abort(404)
    return voice


def _not_for_you(consultation: Consultation, reason: str):
    return render_template("consultations/not_for_you.html", consultation=consultation, reason=reason), 403


def _response_url(response) -> str:
    page = queries.page_of(response)
    return (
        url_for("consultations.consultation", slug=response.consultation.slug, page=page if page > 1 else None)
        + f"#response-{response.id}"
    )


def _common(consultation: Consultation, today) -> dict:
    return {
        "consultation": consultation,
        "today": today,
        "state": consultation.state(today),
        "state_labels": STATE_LABELS,
        "closing_words": queries.closing_words,
    }


# --- reading ---------------------------------------------------------------------------------


@bp.route("")
def board():
    today = london_today()
    return render_template(
        "consultations/board.html",
        sections=queries.board(today),
        headings=queries.SECTION_HEADINGS,
        today=today,
        closing_words=queries.closing_words,
    )


@bp.route("/<slug>")
def consultation(slug: str):
    consultation = _published_or_404(slug)
    today = london_today()
    responses = queries.public_responses(consultation, whole_number(request.args.get("page")) or 1, current_user)
    reactable = {
        response.id for response in responses.items if answering.may_react(consultation, response, current_user, today)
    }
    own = queries.own_responses(consultation, current_user)
    return render_template(
        "consultations/consultation.html",
        **_common(consultation, today),
        responses=responses,
        reactable=reactable,
        own=own,
        own_links={voice: _response_url(response) for voice, response in own.items() if response.on_board},
        may_answer=consultation.is_for(current_user),
        may_answer_for_forum=consultation.is_for(current_user)
        and answering.may_use_voice(consultation, current_user, FORUM_VOICE),
        not_for_you=answering.not_for_you_reason(consultation, current_user) if current_user.is_authenticated else None,
        answers_by_question=queries.answers_by_question,
    )


# --- answering -------------------------------------------------------------------------------


def _public_hint(user, voice: str) -> str:
    """How public answers are shown: never a surname, never a young person's name."""
    if voice == FORUM_VOICE:
        shown = "as \u201cThe youth forum (collective response)\u201d"
    elif user.role == roles.YOUTH:
        shown = "as \u201cYouth forum member\u201d, never with your name,"
    else:
        shown = f"under your first name, \u201c{first_name(user.name)}\u201d,"
    return f"Shown on the board {shown} after a moderator checks them. Other people can say they agree and comment."


def _sent_message(response) -> str:
    if response.moderation == APPROVED:
        return "Your answers have been sent. They are private: only council staff can read them."
    if response.visibility == PUBLIC:
        return "Your answers have been sent. A moderator will check them before they appear on the board."
    return (
        "Your answers have been sent. They are private: only council staff can read them, "
        "once a moderator has checked them."
    )


@bp.route("/<slug>/answer", methods=["GET", "POST"])
@form_page
@members_only
def answer(slug: str):
    consultation = _published_or_404(slug)
    voice = _voice_or_404(consultation)
    today = london_today()
    try:
        answering.check_audience(consultation, current_user, voice)
    except answering.NotForYou as refused:
        return _not_for_you(consultation, str(refused))

    response = answering.find_response(consultation, current_user, voice)
    page = {
        **_common(consultation, today),
        "voice": voice,
        "response": response,
        "may_answer_for_forum": answering.may_use_voice(consultation, current_user, FORUM_VOICE),
    }
    if response is not None and not response.is_draft:
        # Sent answers are locked: shown, never changed.
        return render_template("consultations/answered.html", **page, answers=queries.answers_by_question(response))
    closed = answering.not_open_reason(consultation, today)
    if closed:
        # Nothing is saved, whatever was sent; a draft is shown as it was kept.
        answers = queries.answers_by_question(response) if response is not None else {}
        return render_template("consultations/not_open.html", **page, reason=closed, answers=answers)

    form = answer_forms.answer_form(
        consultation.questions,
        data=answer_forms.draft_data(response, consultation.questions) if request.method == "GET" else None,
    )
    if form.validate_on_submit():
        answers = form.answers()
        visibility = form.visibility.data or None
        back = url_for("consultations.consultation", slug=consultation.slug) + "#your-answers"
        try:
            if form.sending:
                sent = answering.submit(
                    consultation,
                    current_user,
                    answers,
                    voice=voice,
                    visibility=visibility,
                    wants_learning_updates=form.learning_updates.data,
                    today=today,
                )
                db.session.commit()
                flash(_sent_message(sent), "success")
                return redirect(back)
            answering.save_draft(
                consultation,
                current_user,
                answers,
                voice=voice,
                visibility=visibility,
                wants_learning_updates=form.learning_updates.data,
                today=today,
            )
            db.session.commit()
            flash(f"Your answers are saved. You can finish them until {format_day(consultation.closes_on)}.", "success")
            return redirect(back)
        except answering.Incomplete as incomplete:  # raised before anything is written
            form.show_missing(incomplete.missing, incomplete.visibility_missing)
        except answering.Refused as refused:
            # Sent from another tab, or closed, since this page was opened.
            db.session.rollback()
            flash(str(refused), "info")
            return redirect(
                url_for("consultations.answer", slug=consultation.slug, voice=voice if voice != OWN_VOICE else None)
            )
    elif form.is_submitted() and form.sending and "csrf_token" not in form.errors:
        # Say at once everything that stops the answers being sent, not one problem at a time.
        form.show_missing(answering.missing_answers(consultation, form.answers()), not form.visibility.data)
    return render_template(
        "consultations/answer.html", **page, form=form, public_hint=_public_hint(current_user, voice)
    )


# --- reacting to answers on the board --------------------------------------------------------


def _on_board_or_404(consultation: Consultation, response_id: int):
    response = answering.on_board_response(consultation, response_id)
    if response is None:
        abort(404)
    return response


@bp.route("/<slug>/responses/<int:response_id>/agree", methods=["POST"])
@members_only
def agree(slug: str, response_id: int):
    consultation = _published_or_404(slug)
    response = _on_board_or_404(consultation, response_id)
    try:
        counted = answering.agree(consultation, response, current_user)
    except answering.NotForYou as refused:
        return _not_for_you(consultation, str(refused))
    except answering.Refused as refused:
        flash(str(refused), "info")
        return redirect(_response_url(response))
    db.session.commit()
    if counted:
        flash("Thank you. You agree with this answer.", "success")
    else:
        flash("You already agree with this.", "info")
    return redirect(_response_url(response))


@bp.route("/<slug>/responses/<int:response_id>/comment", methods=["GET", "POST"])
@form_page
@members_only
def comment(slug: str, response_id: int):
    consultation = _published_or_404(slug)
    response = _on_board_or_404(consultation, response_id)
    today = london_today()
    try:
        answering.check_may_react(consultation, response, current_user, today)
    except answering.NotForYou as refused:
        return _not_for_you(consultation, str(refused))
    except answering.Refused as refused:
        flash(str(refused), "info")
        return redirect(_response_url(response))

    form = answer_forms.CommentForm()
    if form.validate_on_submit():
        answering.add_comment(consultation, response, current_user, form.body.data, today)
        db.session.commit()
        flash("Thank you. Your comment will appear on the board after a moderator checks it.", "success")
        return redirect(_response_url(response))
    return render_template(
        "consultations/comment.html",
        **_common(consultation, today),
        response=response,
        answers=queries.answers_by_question(response),
        back=_response_url(response),
        form=form,
    )
