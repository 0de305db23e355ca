"""Public reports: the annual complaints performance report at /reports/complaints, the
managers' page at /manage/reports/complaints where a year that has ended is published, and
/manage/satisfaction, where managers follow what families say about how complaints were handled.

Open to everyone, no sign-in: the report holds counts only (see portal.reports.complaints).
A published year is read from its stored version, never counted again; a year not published
yet shows the live figures, marked as provisional.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.complaint_code import SECTION_KEYS, SECTION_LABELS
from portal.core.exports import csv_response
from portal.core.forms import form_page
from portal.core.page_cache import public_page
from portal.core.rules import show_on_form
from portal.core.terms import term_of
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback import survey
from portal.reports import annual, documents, governance, periods
from portal.reports.annual_forms import PublishReportForm
from portal.reports.complaints import complaints_report, earliest_received
from portal.reports.governance_forms import (
    AnalysisForm,
    AssessmentForm,
    FindingForm,
    GovernanceForm,
    OmbudsmanLetterForm,
)
from portal.reports.satisfaction import satisfaction_results
from portal.reports.satisfaction import trend as satisfaction_trend

bp = Blueprint("reports", __name__)

CSV_HEADER = ("Period", "Section", "Measure", "Breakdown", "Value")
# A version never changes once stored, so its PDF may be kept by browsers and caches for a year.
VERSION_MAX_AGE = 365 * 24 * 60 * 60


def _year_or_404(start_year: int) -> periods.FinancialYear:
    year = periods.FinancialYear(start_year)
    if start_year < periods.FIRST_YEAR or year > periods.current_year():
        abort(404)
    return year


def _page(year, *, history, shown, message=None):
    if shown is None:
        content = annual.render_content(complaints_report(year))
    else:
        # Stored as the portal's own templates rendered it, with every value escaped.
        content = shown.content_html
    return render_template(
        "reports/complaints.html",
        year=year,
        history=history,
        shown=shown,
        content=Markup(content),
        message=message,
        year_ended=london_today() > year.ends_on,
        years=periods.years_to_offer(earliest_received(), year),
        pdf_url=(
            url_for("reports.complaints_pdf", year=year.start_year)
            if shown is not None and shown is history[0]
            else url_for("reports.complaints_version_pdf", year=year.start_year, number=shown.version)
            if shown is not None
            else None
        ),
    )


def _pdf_file(year, data: bytes | None, number: int | None = None):
    return documents.pdf_response(data, annual.pdf_filename(year, number), numbered=number is not None)


@bp.get("/reports/complaints")
@public_page
def complaints():
    year, message = periods.parse_year(request.args.get("year"))
    history = annual.versions_of(year)
    return _page(year, history=history, shown=history[0] if history else None, message=message)


@bp.get("/reports/complaints/<int(min=2000, max=9999):year>/versions/<int(min=1, max=99999):number>")
@public_page
def complaints_version(year: int, number: int):
    year = _year_or_404(year)
    history = annual.versions_of(year)
    shown = next((row for row in history if row.version == number), None)
    if shown is None:
        abort(404)
    return _page(year, history=history, shown=shown)


@bp.get("/reports/complaints/<int(min=2000, max=9999):year>.pdf")
@public_page
def complaints_pdf(year: int):
    year = _year_or_404(year)
    data = documents.stored_pdf(documents.COMPLAINTS_REPORT, annual.period_of(year))
    return _pdf_file(year, data)


@bp.get("/reports/complaints/<int(min=2000, max=9999):year>/versions/<int(min=1, max=99999):number>.pdf")
@public_page
def complaints_version_pdf(year: int, number: int):
    year = _year_or_404(year)
    return _pdf_file(year, documents.stored_pdf(documents.COMPLAINTS_REPORT, annual.period_of(year), number), number)


@bp.get("/reports/complaints.csv")
@public_page
def complaints_csv():
    # A value that is not a year gets the current year's figures; the file's name says which.
    year, _ = periods.parse_year(request.args.get("year"))
    rows = documents.stored_figures(documents.COMPLAINTS_REPORT, annual.period_of(year))
    if rows is None:
        rows = [
            *complaints_report(year).figures(),
            *satisfaction_results(year).figures(),
            *annual.equality_of(year).figures(),
        ]
    return csv_response(
        f"complaints-report-{year.short_label}.csv",
        CSV_HEADER,
        ((year.label, *figure) for figure in rows),
    )


# --- the managers' page ----------------------------------------------------------------------


@bp.route("/manage/reports/complaints", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def manage_complaints():
    today = london_today()
    years = annual.years_to_publish(earliest_received(), today)
    form = PublishReportForm()
    form.year.choices = [(str(year.start_year), year.label) for year in years]
    if form.validate_on_submit():
        year = periods.FinancialYear(int(form.year.data))
        try:
            document = annual.publish(current_user, year, today, note=form.note.data)
            db.session.commit()
        except annual.PackIncomplete as problem:
            db.session.rollback()
            _show_missing(form, year, problem)
        except annual.PublishError as problem:
            db.session.rollback()
            show_on_form(form, problem, form.year)
        except IntegrityError:  # another manager published the same version a moment before
            db.session.rollback()
            flash(f"The report for {year.label} was just published by someone else. Check it first.", "info")
            return redirect(url_for("reports.manage_complaints"))
        else:
            flash(f"Published version {document.version} of the report for {year.label}.", "success")
            return redirect(url_for("reports.manage_complaints"))
    published = documents.latest_versions(documents.COMPLAINTS_REPORT)
    return render_template(
        "reports/manage_complaints.html",
        form=form,
        years=years,
        published={year: published.get(annual.period_of(year)) for year in years},
    )


def _show_missing(form, year: periods.FinancialYear, problem: "annual.PackIncomplete") -> None:
    """Why the year cannot be published beside it, and in the error summary each thing its pack
    lacks, linked to the page that fills it in."""
    form.year.errors = [*form.year.errors, str(problem)]
    form.error_links = [(gap.message, _task_url(year, gap.task, gap.section)) for gap in problem.missing]


# --- preparing a year's governance pack ------------------------------------------------------


def _task_url(year: periods.FinancialYear, task: str, section: str | None = None) -> str:
    if task == governance.SELF_ASSESSMENT:
        return url_for("reports.prepare_assessment", year=year.start_year, section=section or SECTION_KEYS[0])
    endpoint = {
        governance.OMBUDSMAN_LETTER: "reports.prepare_ombudsman_letter",
        governance.FINDINGS: "reports.prepare_findings",
        governance.ANALYSIS: "reports.prepare_analysis",
        governance.GOVERNANCE: "reports.prepare_governance",
    }[task]
    return url_for(endpoint, year=year.start_year)


def _prepare_url(year: periods.FinancialYear) -> str:
    return url_for("reports.prepare", year=year.start_year)


def _saved(message: str, url: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def _task_page(template: str, year, form, **context):
    return render_template(template, year=year, form=form, prepare_url=_prepare_url(year), **context)


@bp.get("/manage/reports/complaints/<int(min=2000, max=9999):year>")
@role_required(roles.MANAGER)
def prepare(year: int):
    year = _year_or_404(year)
    pack = governance.pack_for(year)
    return render_template(
        "reports/prepare/index.html",
        year=year,
        pack=pack,
        assessments=governance.assessments_of(pack),
        section_labels=SECTION_LABELS,
        missing=governance.missing(pack),
        governance_done=governance.governance_done(pack),
        ombudsman_done=governance.ombudsman_done(pack),
        task_labels=governance.TASK_LABELS,
        task_url=_task_url,
        published=bool(annual.versions_of(year)),
    )


@bp.get("/manage/reports/complaints/<int(min=2000, max=9999):year>/preview")
@role_required(roles.MANAGER)
def prepare_preview(year: int):
    """The report as it would be published now, with its governance pack; only once the pack
    has everything publishing needs."""
    year = _year_or_404(year)
    pack = governance.pack_for(year)
    if governance.missing(pack):
        return redirect(_prepare_url(year))
    content = annual.render_content(complaints_report(year), pack=governance.content_of(pack))
    return render_template(
        "reports/prepare/preview.html", year=year, content=Markup(content), prepare_url=_prepare_url(year)
    )


@bp.route(
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/self-assessment/<section>", methods=["GET", "POST"]
)
@form_page
@role_required(roles.MANAGER)
def prepare_assessment(year: int, section: str):
    year = _year_or_404(year)
    if section not in SECTION_KEYS:
        abort(404)
    row = governance.assessments_of(governance.pack_for(year)).get(section)
    data = None
    if request.method == "GET" and row is not None:
        data = {"compliance": row.compliance, "evidence": row.evidence, "actions": row.actions}
    form = AssessmentForm(data=data)
    if form.validate_on_submit():
        governance.save_assessment(
            current_user,
            year,
            section,
            compliance=form.compliance.data,
            evidence=form.evidence.data,
            actions=form.actions.data,
        )
        following = SECTION_KEYS.index(section) + 1
        after = (
            url_for("reports.prepare_assessment", year=year.start_year, section=SECTION_KEYS[following])
            if following < len(SECTION_KEYS)
            else _prepare_url(year)
        )
        return _saved(f"Saved the self-assessment for {SECTION_LABELS[section]}.", after)
    return _task_page("reports/prepare/assessment.html", year, form, section_label=SECTION_LABELS[section])


@bp.route("/manage/reports/complaints/<int(min=2000, max=9999):year>/ombudsman-letter", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def prepare_ombudsman_letter(year: int):
    year = _year_or_404(year)
    pack = governance.pack_for(year)
    data = None
    if request.method == "GET" and governance.ombudsman_done(pack):
        data = {name: getattr(pack, f"ombudsman_{name}") for name in governance.OMBUDSMAN_FIELDS}
    form = OmbudsmanLetterForm(data=data)
    if form.validate_on_submit():
        governance.save_ombudsman_letter(
            current_user, year, **{name: getattr(form, name).data for name in governance.OMBUDSMAN_FIELDS}
        )
        return _saved("Saved the Ombudsman's annual letter figures.", _prepare_url(year))
    return _task_page("reports/prepare/ombudsman_letter.html", year, form)


@bp.route("/manage/reports/complaints/<int(min=2000, max=9999):year>/findings", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def prepare_findings(year: int):
    year = _year_or_404(year)
    form = FindingForm()
    if form.validate_on_submit():
        governance.add_finding(current_user, year, found=form.found.data, council_action=form.council_action.data)
        return _saved("Added the finding of non-compliance.", url_for("reports.prepare_findings", year=year.start_year))
    pack = governance.pack_for(year)
    return _task_page("reports/prepare/findings.html", year, form, findings=pack.findings if pack else [])


@bp.post("/manage/reports/complaints/<int(min=2000, max=9999):year>/findings/<int:finding_id>/remove")
@role_required(roles.MANAGER)
def remove_finding(year: int, finding_id: int):
    year = _year_or_404(year)
    if not governance.remove_finding(current_user, year, finding_id):
        abort(404)
    return _saved("Removed the finding.", url_for("reports.prepare_findings", year=year.start_year))


@bp.route("/manage/reports/complaints/<int(min=2000, max=9999):year>/analysis", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def prepare_analysis(year: int):
    year = _year_or_404(year)
    pack = governance.pack_for(year)
    form = AnalysisForm(data={"analysis": pack.analysis} if request.method == "GET" and pack else None)
    if form.validate_on_submit():
        governance.save_analysis(current_user, year, form.analysis.data)
        return _saved("Saved the analysis.", _prepare_url(year))
    return _task_page("reports/prepare/analysis.html", year, form)


@bp.route("/manage/reports/complaints/<int(min=2000, max=9999):year>/governance", methods=["GET", "POST"])
@form_page
@role_required(roles.MANAGER)
def prepare_governance(year: int):
    year = _year_or_404(year)
    pack = governance.pack_for(year)
    data = None
    if request.method == "GET" and pack is not None:
        data = {name: getattr(pack, name) for name in governance.GOVERNANCE_FIELDS}
    form = GovernanceForm(data=data)
    if form.validate_on_submit():
        governance.save_governance(
            current_user, year, **{name: getattr(form, name).data for name in governance.GOVERNANCE_FIELDS}
        )
        return _saved("Saved the governance response.", _prepare_url(year))
    return _task_page("reports/prepare/governance.html", year, form)


# --- what families said about how their complaints were handled -------------------------------

TREND_TERMS = 6


@bp.get("/manage/satisfaction")
@role_required(roles.MANAGER)
def satisfaction():
    """The survey's answers over the last terms, as a chart and a table of the same numbers,
    and the current term's by stage and category."""
    current = term_of(london_today())
    terms = [current]
    for _ in range(TREND_TERMS - 1):
        terms.insert(0, terms[0].previous())
    return render_template(
        "reports/satisfaction.html",
        trend=satisfaction_trend(terms),
        current=satisfaction_results(current, invited=True),
        comments_waiting=survey.comments_waiting(),
    )
