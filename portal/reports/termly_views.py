"""Termly updates: the public pages at /updates and the managers' pages at /manage/updates.

The public sees a term's update, and its PDF, only once a manager has published it; until then
its address answers 404, as does any address that names no term. What the public sees is the
stored version (portal.reports.documents): its content and PDF as they were published, never
counted or drawn again, with a history of every version, each at its own address. Managers
write the update, see it with the figures assembled from the data, preview it, publish it and
correct it. Thin: parse, call portal.reports.termly, commit, render.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations.board import closing_words
from portal.core.files import download_response
from portal.core.forms import form_page
from portal.core.page_cache import public_page
from portal.core.rules import show_on_form
from portal.core.terms import Term, parse_term
from portal.core.time import london_today
from portal.extensions import db
from portal.reports import documents, termly
from portal.reports.termly_forms import UpdateForm
from portal.yousaid.entries import consultation_url

bp = Blueprint("reports_updates", __name__)

managers_only = role_required(roles.MANAGER)


def _term_or_404(slug: str) -> Term:
    term = parse_term(slug)
    if term is None:
        abort(404)
    return term


# A version never changes once stored, so its PDF may be kept by browsers and caches for a year.
VERSION_MAX_AGE = 365 * 24 * 60 * 60


def _preview_page(term: Term, update):
    figures = termly.assemble(term, london_today(), update=update)
    return render_template(
        "reports_updates/update.html",
        term=term,
        preview=True,
        shown=None,
        history=documents.versions(documents.TERMLY_UPDATE, term.slug),
        content=Markup(termly.render_content(figures)),
        pdf_url=url_for("reports_updates.preview_pdf", term=term.slug),
    )


def _history_or_404(term: Term):
    """The published update's versions, newest first (freezing an update published before
    versions were kept, on its first reading); 404 while it is not published."""
    try:
        history, frozen_now = termly.frozen_versions(term)
        if frozen_now:
            db.session.commit()
    except IntegrityError:  # someone else froze it at the same moment: read theirs
        db.session.rollback()
        history, _ = termly.frozen_versions(term)
    if not history:  # a draft does not exist as far as the public is concerned
        abort(404)
    return history


def _version_page(term: Term, history, shown):
    return render_template(
        "reports_updates/update.html",
        term=term,
        preview=False,
        shown=shown,
        history=history,
        # Stored as the portal's own templates rendered it, with every value escaped.
        content=Markup(shown.content_html),
        pdf_url=(
            url_for("reports_updates.update_pdf", term=term.slug)
            if shown is history[0]
            else url_for("reports_updates.version_pdf", term=term.slug, number=shown.version)
        ),
    )


def _pdf_file(term: Term, data: bytes | None, number: int | None = None):
    return documents.pdf_response(data, termly.pdf_filename(term, number), numbered=number is not None)


# --- the public pages ------------------------------------------------------------------------


@bp.get("/updates")
@public_page
def index():
    return render_template(
        "reports_updates/index.html",
        updates=termly.published_updates(),
        latest=documents.latest_versions(documents.TERMLY_UPDATE),
    )


@bp.get("/updates/<term>")
@public_page
def update(term: str):
    term = _term_or_404(term)
    history = _history_or_404(term)
    return _version_page(term, history, history[0])


@bp.get("/updates/<term>/versions/<int(min=1, max=99999):number>")
@public_page
def version(term: str, number: int):
    term = _term_or_404(term)
    history = _history_or_404(term)
    shown = next((row for row in history if row.version == number), None)
    if shown is None:
        abort(404)
    return _version_page(term, history, shown)


@bp.get("/updates/<term>.pdf")
@public_page
def update_pdf(term: str):
    term = _term_or_404(term)
    data = documents.stored_pdf(documents.TERMLY_UPDATE, term.slug)
    if data is None:
        _history_or_404(term)  # 404 for a draft; an update published before versions were kept is frozen now
        data = documents.stored_pdf(documents.TERMLY_UPDATE, term.slug)
    return _pdf_file(term, data)


@bp.get("/updates/<term>/versions/<int(min=1, max=99999):number>.pdf")
@public_page
def version_pdf(term: str, number: int):
    term = _term_or_404(term)
    return _pdf_file(term, documents.stored_pdf(documents.TERMLY_UPDATE, term.slug, number), number)


# --- the managers' pages ---------------------------------------------------------------------


@bp.get("/manage/updates")
@managers_only
def manage():
    today = london_today()
    return render_template(
        "reports_updates/manage/index.html",
        terms=termly.terms_to_manage(today),
        state_of=termly.state_of,
        state_labels=termly.STATE_LABELS,
        was_corrected=termly.was_corrected,
    )


@bp.route("/manage/updates/<term>", methods=["GET", "POST"])
@form_page
@managers_only
def edit(term: str):
    term = _term_or_404(term)
    today = london_today()
    update = termly.update_for(term)
    published = update is not None and update.published_at is not None
    data = None
    if request.method == "GET" and update is not None:
        data = {"introduction": update.introduction, "priorities": update.priorities}
    form = UpdateForm(data=data)
    if published:
        form.save.label.text = "Save corrections"
    if form.validate_on_submit():
        values = {"introduction": form.introduction.data, "priorities": form.priorities.data}
        try:
            if form.publish.data and not published:
                termly.publish(current_user, term, today, **values)
                message = "Published. The update is now on the public page, and can be downloaded as a PDF."
            elif published:
                termly.save(current_user, term, **values, note=form.note.data)
                message = (
                    "Correction published as a new version. The public page shows it, with every earlier "
                    "version in its history."
                )
            else:
                _, changed = termly.save(current_user, term, **values)
                message = "Draft saved." if changed else None
        except termly.AlreadyPublished:
            db.session.rollback()
            flash("This update was already published by someone else. Check it, then save any corrections.", "info")
            return redirect(url_for("reports_updates.edit", term=term.slug))
        except termly.UpdateError as problem:
            db.session.rollback()
            show_on_form(form, problem, form.introduction)
            update = termly.update_for(term)
        else:
            db.session.commit()
            if message:
                flash(message, "success")
            return redirect(url_for("reports_updates.edit", term=term.slug))
    figures = termly.assemble(term, today, update=update)
    return render_template(
        "reports_updates/manage/edit.html",
        form=form,
        term=term,
        update=update,
        state=termly.state_of(update),
        state_labels=termly.STATE_LABELS,
        can_publish=today >= term.starts_on,
        figures=figures,
        consultation_url=consultation_url,
        closing_words=closing_words,
    )


@bp.get("/manage/updates/<term>/preview")
@managers_only
def preview(term: str):
    term = _term_or_404(term)
    return _preview_page(term, termly.update_for(term))


@bp.get("/manage/updates/<term>/preview.pdf")
@managers_only
def preview_pdf(term: str):
    term = _term_or_404(term)
    data = termly.render_preview_pdf(term, termly.update_for(term))
    return download_response(data, "application/pdf", termly.pdf_filename(term))
