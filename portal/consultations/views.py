"""The public co-production board at /consultations, and answering it.

Anyone may read the board and each consultation; signed-in parents and youth forum members in
a consultation's audience answer it (checking their answers on a page of their own before
sending them), say "I agree" (and take it back) and comment. Thin views: they parse the
request, call portal.consultations.answering (the rules) or board (the queries), commit and
render. Drafts are never public: their addresses answer 404.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import answering, materials, moderation, take_part
from portal.consultations import board as queries
from portal.consultations import forms as answer_forms
from portal.consultations.models import APPROVED, FORUM_VOICE, OWN_VOICE, PUBLIC, STATE_LABELS, Consultation, first_name
from portal.core.files import DOCUMENT_TYPES, describe_size, download_response
from portal.core.forms import form_page, whole_number
from portal.core.page_cache import public_page
from portal.core.time import format_day, london_today
from portal.equality import offer as equality_offer
from portal.equality import services as equality
from portal.equality.forms import EqualityForm
from portal.equality.questions import CONSULTATION as CONSULTATION_SOURCE
from portal.equality.questions import QUESTIONS as EQUALITY_QUESTIONS
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


def _response_url(response, *, at_response: bool = True) -> str:
    """The board page showing ``response``, scrolled to it when ``at_response``. After a change
    it opens at the top instead, where the message saying what happened is shown and focused."""
    page = queries.page_of(response)
    return url_for(
        "consultations.consultation",
        slug=response.consultation.slug,
        page=page if page > 1 else None,
        _anchor=f"response-{response.id}" if at_response else None,
    )


@bp.context_processor
def shared():
    return {"check_days": _check_days()}


def _check_days() -> int:
    """How many working days a post usually waits for a moderator (one setting, read here)."""
    return moderation.usual_check_working_days(current_app.config)


def _working_days(days: int) -> str:
    return f"{days} working day" if days == 1 else f"{days} working days"


def _common(consultation: Consultation, today) -> dict:
    return {
        "consultation": consultation,
        "today": today,
        "state": consultation.state(today),
        "state_labels": STATE_LABELS,
        "closing_words": queries.closing_words,
        "equality_url": (
            url_for("consultations.about_you", slug=consultation.slug)
            if equality_offer.is_offered(CONSULTATION_SOURCE)
            else None
        ),
    }


# --- reading ---------------------------------------------------------------------------------


@bp.route("")
@public_page
def board():
    today = london_today()
    return render_template(
        "consultations/board.html",
        opportunities=take_part.upcoming(today),
        sections=queries.board(today),
        headings=queries.SECTION_HEADINGS,
        today=today,
        closing_words=queries.closing_words,
    )


@bp.route("/<slug>")
@public_page
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
        documents=materials.documents_of(consultation),
        document_kinds={content_type: words for content_type, (_, words) in DOCUMENT_TYPES.items()},
        describe_size=describe_size,
    )


@bp.route("/<slug>/documents/<int:document_id>")
@public_page
def document(slug: str, document_id: int):
    """A document to read before answering, as a download under its cleaned name."""
    document = materials.document_of(_published_or_404(slug), document_id)
    if document is None:
        abort(404)
    response = download_response(document.data, document.content_type, document.filename)
    # Public and unchanging: it may be kept like the page that links it.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


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
    usually = f"usually within {_working_days(_check_days())}"
    if response.visibility == PUBLIC:
        return f"Your answers have been sent. A moderator will check them before they appear on the board, {usually}."
    return (
        "Your answers have been sent. They are private: only council staff can read them, "
        f"once a moderator has checked them ({usually})."
    )


def _answer_url(consultation: Consultation, voice: str) -> str:
    return url_for("consultations.answer", slug=consultation.slug, voice=voice if voice != OWN_VOICE else None)


def _check_url(consultation: Consultation, voice: str) -> str:
    return url_for("consultations.check", slug=consultation.slug, voice=voice if voice != OWN_VOICE else None)


def _answer_page(page: dict, form, voice: str):
    return render_template(
        "consultations/answer.html",
        **page,
        form=form,
        public_hint=_public_hint(current_user, voice),
        form_action=_answer_url(page["consultation"], voice),
    )


def _answering_page(consultation: Consultation, voice: str, today):
    """What the answer and check pages share: the audience check, the person's response, and
    the page's words; or the page to show instead (not for you, sent already, not open)."""
    try:
        answering.check_audience(consultation, current_user, voice)
    except answering.NotForYou as refused:
        return None, None, _not_for_you(consultation, str(refused))

    response = answering.find_response(consultation, current_user, voice)
    page = {
        **_common(consultation, today),
        "voice": voice,
        "response": response,
        "may_answer_for_forum": answering.may_use_voice(consultation, current_user, FORUM_VOICE),
    }
    if response is not None and not response.is_draft:
        # Sent answers are locked: shown, never changed.
        return (
            page,
            response,
            render_template("consultations/answered.html", **page, answers=queries.answers_by_question(response)),
        )
    closed = answering.not_open_reason(consultation, today)
    if closed:
        # Nothing is saved, whatever was sent; a draft is shown as it was kept.
        answers = queries.answers_by_question(response) if response is not None else {}
        return page, response, render_template("consultations/not_open.html", **page, reason=closed, answers=answers)
    return page, response, None


@bp.route("/<slug>/answer", methods=["GET", "POST"])
@form_page
@members_only
def answer(slug: str):
    consultation = _published_or_404(slug)
    voice = _voice_or_404(consultation)
    today = london_today()
    page, response, instead = _answering_page(consultation, voice, today)
    if instead is not None:
        return instead

    form = answer_forms.answer_form(
        consultation.questions,
        data=answer_forms.draft_data(response, consultation.questions) if request.method == "GET" else None,
    )
    if form.validate_on_submit():
        answers = form.answers()
        visibility = form.visibility.data or None
        if form.checking:
            missing = answering.missing_answers(consultation, answers)
            if missing or not visibility:
                # Say at once everything that stops the answers being sent; nothing is saved.
                form.show_missing(missing, not visibility)
                return _answer_page(page, form, voice)
        try:
            answering.save_draft(
                consultation,
                current_user,
                answers,
                voice=voice,
                visibility=visibility,
                wants_learning_updates=form.learning_updates.data,
                today=today,
            )
        except answering.Refused as refused:
            # Sent from another tab, or closed, since this page was opened.
            db.session.rollback()
            flash(str(refused), "info")
            return redirect(_answer_url(consultation, voice))
        db.session.commit()
        if form.checking:
            # Kept as a draft, so going back and forth between the two pages loses nothing.
            return redirect(_check_url(consultation, voice))
        flash(f"Your answers are saved. You can finish them until {format_day(consultation.closes_on)}.", "success")
        return redirect(url_for("consultations.consultation", slug=consultation.slug))
    if form.is_submitted() and form.checking and "csrf_token" not in form.errors:
        # Say at once everything that stops the answers being sent, not one problem at a time.
        form.show_missing(answering.missing_answers(consultation, form.answers()), not form.visibility.data)
    return _answer_page(page, form, voice)


@bp.route("/<slug>/questions-about-you", methods=["GET", "POST"])
@form_page
@members_only
def about_you(slug: str):
    """The optional equality questions, once, after sending answers: answered or skipped, they
    are kept apart from the answers (portal.equality) and the person goes back to the
    consultation."""
    consultation = _published_or_404(slug)
    back = url_for("consultations.consultation", slug=consultation.slug)
    if not equality_offer.is_offered(CONSULTATION_SOURCE):
        return redirect(back)
    form = EqualityForm()
    if form.validate_on_submit():
        if form.send.data:
            equality.record(CONSULTATION_SOURCE, form.answers(), london_today())
            flash("Thank you for answering the questions about you.", "success")
        equality_offer.withdraw()
        db.session.commit()
        return redirect(back)
    return render_template(
        "equality/questions.html",
        form=form,
        questions=EQUALITY_QUESTIONS,
        action=url_for("consultations.about_you", slug=consultation.slug),
        back=back,
        caption=consultation.title,
    )


@bp.route("/<slug>/answer/check", methods=["GET", "POST"])
@form_page
@members_only
def check(slug: str):
    """Check your answers before sending them: what was saved, each with a way back to change
    it, and the one button that sends them for good."""
    consultation = _published_or_404(slug)
    voice = _voice_or_404(consultation)
    today = london_today()
    page, response, instead = _answering_page(consultation, voice, today)
    if instead is not None:
        return instead
    if response is None:
        return redirect(_answer_url(consultation, voice))

    answers = answering.saved_answers(response)
    missing = answering.missing_answers(consultation, answers)
    if missing:
        # Saved for later with questions still to answer: the questions, with what is missing.
        form = answer_forms.answer_form(
            consultation.questions, formdata=None, data=answer_forms.draft_data(response, consultation.questions)
        )
        form.show_missing(missing, False)
        return _answer_page(page, form, voice)

    saved_at = response.updated_at.isoformat()
    form = answer_forms.SendAnswersForm()
    if form.validate_on_submit():
        if form.saved_at.data != saved_at:
            flash("Your answers changed after this page was opened, perhaps in another tab. Check them again.", "info")
        else:
            try:
                sent = answering.submit(
                    consultation,
                    current_user,
                    answers,
                    voice=voice,
                    visibility=response.visibility,
                    wants_learning_updates=response.wants_learning_updates,
                    today=today,
                )
            except (answering.Incomplete, answering.Refused) as refused:
                # Changed, sent or closed by another request since this page was shown.
                db.session.rollback()
                if isinstance(refused, answering.Refused):
                    flash(str(refused), "info")
                return redirect(_answer_url(consultation, voice))
            equality_offer.offer(CONSULTATION_SOURCE)
            db.session.commit()
            flash(_sent_message(sent), "success")
            return redirect(url_for("consultations.consultation", slug=consultation.slug))
    form.saved_at.data = saved_at
    return render_template(
        "consultations/check.html",
        **page,
        form=form,
        answers=queries.answers_by_question(response),
        field_name=answer_forms.field_name,
        change_url=_answer_url(consultation, voice),
        public_hint=_public_hint(current_user, voice),
    )


# --- reacting to answers on the board --------------------------------------------------------


def _on_board_or_404(consultation: Consultation, response_id: int):
    response = answering.on_board_response(consultation, response_id)
    if response is None:
        abort(404)
    return response


def _change_agreement(slug: str, response_id: int, change, changed: str, unchanged: str):
    """Agree with an answer, or take the agreement back (``change``), and say what happened."""
    consultation = _published_or_404(slug)
    response = _on_board_or_404(consultation, response_id)
    try:
        done = change(consultation, response, current_user)
    except answering.NotForYou as refused:
        return _not_for_you(consultation, str(refused))
    except answering.Refused as refused:
        flash(str(refused), "info")
        return redirect(_response_url(response, at_response=False))
    db.session.commit()
    flash(changed if done else unchanged, "success" if done else "info")
    return redirect(_response_url(response, at_response=False))


@bp.route("/<slug>/responses/<int:response_id>/agree", methods=["POST"])
@members_only
def agree(slug: str, response_id: int):
    return _change_agreement(
        slug,
        response_id,
        answering.agree,
        "Thank you. You agree with this answer. You can take your agreement back while the consultation is open.",
        "You already agree with this.",
    )


@bp.route("/<slug>/responses/<int:response_id>/take-back-agreement", methods=["POST"])
@members_only
def take_back_agreement(slug: str, response_id: int):
    return _change_agreement(
        slug,
        response_id,
        answering.take_back_agreement,
        "You have taken back your agreement. You no longer agree with this answer.",
        "You do not agree with this answer, so there was nothing to take back.",
    )


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
        return redirect(_response_url(response, at_response=False))

    form = answer_forms.CommentForm()
    if form.validate_on_submit():
        answering.add_comment(consultation, response, current_user, form.body.data, today)
        db.session.commit()
        flash(
            "Thank you. A moderator will check your comment before it appears on the board, usually within "
            f"{_working_days(_check_days())}. Until then only you can see it.",
            "success",
        )
        return redirect(_response_url(response, at_response=False))
    return render_template(
        "consultations/comment.html",
        **_common(consultation, today),
        response=response,
        answers=queries.answers_by_question(response),
        back=_response_url(response),
        form=form,
    )
