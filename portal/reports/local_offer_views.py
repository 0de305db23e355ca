"""The Local Offer comments summary: the public pages at /reports/local-offer, where each
year's published summary and its PDF are read from the stored version, and the managers' pages
at /manage/reports/local-offer, where a year's comments are counted and read, and its response
written and published. Thin: parse, call portal.reports.local_offer, commit, render."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.forms import form_page
from portal.core.page_cache import public_page
from portal.core.rules import show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.reports import annual, documents, local_offer, periods
from portal.reports.complaints import earliest_received
from portal.reports.local_offer_forms import LocalOfferForm

bp = Blueprint("reports_local_offer", __name__)


def _year_or_404(start_year: int) -> periods.FinancialYear:
    year = periods.FinancialYear(start_year)
    if start_year < periods.FIRST_YEAR or year > periods.current_year():
        abort(404)
    return year


def _history_or_404(year: periods.FinancialYear):
    history = local_offer.versions_of(year)
    if not history:
        abort(404)
    return history


def _version_page(year, history, shown):
    return render_template(
        "reports/local_offer.html",
        year=year,
        history=history,
        shown=shown,
        # Stored as the portal's own templates rendered it, with every value escaped.
        content=Markup(shown.content_html),
        pdf_url=(
            url_for("reports_local_offer.summary_pdf", year=year.start_year)
            if shown is history[0]
            else url_for("reports_local_offer.version_pdf", year=year.start_year, number=shown.version)
        ),
    )


def _pdf_file(year, data: bytes | None, number: int | None = None):
    return documents.pdf_response(data, local_offer.pdf_filename(year, number), numbered=number is not None)


# --- the public pages ------------------------------------------------------------------------


@bp.get("/reports/local-offer")
@public_page
def index():
    latest = documents.latest_versions(local_offer.KIND)
    years = sorted((periods.FinancialYear(int(period)) for period in latest), reverse=True)
    return render_template(
        "reports/local_offer_index.html", years=years, latest={year: latest[str(year.start_year)] for year in years}
    )


@bp.get("/reports/local-offer/<int(min=2000, max=9999):year>")
@public_page
def summary(year: int):
    year = _year_or_404(year)
    history = _history_or_404(year)
    return _version_page(year, history, history[0])


@bp.get("/reports/local-offer/<int(min=2000, max=9999):year>/versions/<int(min=1, max=99999):number>")
@public_page
def version(year: int, number: int):
    year = _year_or_404(year)
    history = _history_or_404(year)
    shown = next((row for row in history if row.version == number), None)
    if shown is None:
        abort(404)
    return _version_page(year, history, shown)


@bp.get("/reports/local-offer/<int(min=2000, max=9999):year>.pdf")
@public_page
def summary_pdf(year: int):
    year = _year_or_404(year)
    return _pdf_file(year, documents.stored_pdf(local_offer.KIND, local_offer.period_of(year)))


@bp.get("/reports/local-offer/<int(min=2000, max=9999):year>/versions/<int(min=1, max=99999):number>.pdf")
@public_page
def version_pdf(year: int, number: int):
    year = _year_or_404(year)
    return _pdf_file(year, documents.stored_pdf(local_offer.KIND, local_offer.period_of(year), number), number)


# --- the managers' pages ---------------------------------------------------------------------


@bp.get("/manage/reports/local-offer")
@role_required(roles.MANAGER)
def manage():
    years = annual.years_to_publish(earliest_received(), london_today())
    published = documents.latest_versions(local_offer.KIND)
    return render_template(
        "reports/manage_local_offer.html",
        years=years,
        published={year: published.get(local_offer.period_of(year)) for year in years},
    )


@bp.route("/manage/reports/local-offer/<int(min=2000, max=9999):year>", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def edit(year: int):
    year = _year_or_404(year)
    today = london_today()
    draft = local_offer.draft_for(year)
    scope = local_offer.scope_of(draft)
    data = None
    if request.method == "GET":
        data = {
            "category_id": scope.category_id,
            "theme_id": scope.theme_id,
            "said": draft.said if draft else None,
            "response": draft.response if draft else None,
        }
    form = LocalOfferForm(data=data)
    form.offer(local_offer.categories(), local_offer.themes())
    if form.validate_on_submit():
        try:
            local_offer.save(
                current_user,
                year,
                category_id=form.category_id.data,
                theme_id=form.theme_id.data,
                said=form.said.data,
                response=form.response.data,
            )
            if form.publish.data:
                document = local_offer.publish(current_user, year, today, note=form.note.data)
                message = f"Published version {document.version} of the summary for {year.label}."
            else:
                message = "Draft saved."
            db.session.commit()
        except local_offer.SummaryError as problem:
            db.session.rollback()
            show_on_form(form, problem, form.response)
        except IntegrityError:  # another manager published the same version a moment before
            db.session.rollback()
            flash(f"The summary for {year.label} was just published by someone else. Check it first.", "info")
            return redirect(url_for("reports_local_offer.edit", year=year.start_year))
        else:
            flash(message, "success")
            return redirect(url_for("reports_local_offer.edit", year=year.start_year))
        draft = local_offer.draft_for(year)
    shown_scope = local_offer.Scope(form.category_id.data, form.theme_id.data) if form.is_submitted() else scope
    return render_template(
        "reports/manage_local_offer_year.html",
        form=form,
        year=year,
        draft=draft,
        year_ended=today > year.ends_on,
        comments=local_offer.comments_counted(year, shown_scope),
        to_read=local_offer.comments_to_read(year, shown_scope),
        history=local_offer.versions_of(year),
    )
