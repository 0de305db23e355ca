"""Termly updates: the public pages at /updates and the managers' pages at /manage/updates.

The public sees a term's update, and its PDF, only once a manager has published it; until then
its address answers 404, as does any address that names no term. Managers write the update,
see it with the figures assembled from the data, preview it as the public will see it, and
publish it. Thin: parse, call portal.reports.termly, commit, render.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

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
from portal.reports import termly
from portal.reports.termly_forms import UpdateForm
from portal.yousaid.entries import consultation_url

bp = Blueprint("reports_updates", __name__)

managers_only = role_required(roles.MANAGER)


def _term_or_404(slug: str) -> Term:
    term = parse_term(slug)
    if term is None:
        abort(404)
    return term


def _page(figures: termly.TermlyFigures, *, preview: bool):
    return render_template(
        "reports_updates/update.html",
        figures=figures,
        preview=preview,
        pdf_url=url_for(
            "reports_updates.preview_pdf" if preview else "reports_updates.update_pdf", term=figures.term.slug
        ),
        consultation_url=consultation_url,
        closing_words=closing_words,
    )


def _pdf(figures: termly.TermlyFigures):
    data = termly.render_pdf(
        figures,
        council_name=current_app.config["COUNCIL_NAME"],
        service_name=current_app.config["SERVICE_NAME"],
        consultation_url=lambda consultation: consultation_url(consultation, external=True),
    )
    return download_response(data, "application/pdf", termly.pdf_filename(figures.term))


# --- the public pages ------------------------------------------------------------------------


@bp.get("/updates")
@public_page
def index():
    return render_template(
        "reports_updates/index.html", updates=termly.published_updates(), was_corrected=termly.was_corrected
    )


@bp.get("/updates/<term>")
@public_page
def update(term: str):
    term = _term_or_404(term)
    published = termly.published_update(term)
    if published is None:  # a draft does not exist as far as the public is concerned
        abort(404)
    return _page(termly.assemble(term, london_today(), update=published), preview=False)


@bp.get("/updates/<term>.pdf")
def update_pdf(term: str):
    term = _term_or_404(term)
    published = termly.published_update(term)
    if published is None:
        abort(404)
    return _pdf(termly.assemble(term, london_today(), update=published))


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
            else:
                _, changed = termly.save(current_user, term, **values)
                message = None
                if changed:
                    message = (
                        "Corrections saved. The public page now says when it was updated."
                        if published
                        else "Draft saved."
                    )
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
    return _page(termly.assemble(term, london_today(), update=termly.update_for(term)), preview=True)


@bp.get("/manage/updates/<term>/preview.pdf")
@managers_only
def preview_pdf(term: str):
    term = _term_or_404(term)
    return _pdf(termly.assemble(term, london_today(), update=termly.update_for(term)))
