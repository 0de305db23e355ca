"""The annual complaints report, published: once a financial year has ended, a manager
publishes its report, frozen (portal.reports.documents) with its figures, its content and its
PDF. Until then /reports/complaints shows the year's live figures, marked as provisional. A
correction says what it changes and becomes the next version, counted again. The functions
here record audit events and leave the commit to the caller.
"""

from datetime import date

from portal.accounts.models import User
from portal.core import audit
from portal.core.disclosure import FEWER, MIN_GROUP
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.time import format_day, utcnow
from portal.equality import services as equality
from portal.reports import documents, governance, periods
from portal.reports.complaints import ComplaintsReport, complaints_report
from portal.reports.models import PublishedDocument
from portal.reports.periods import FinancialYear
from portal.reports.printing import print_pdf, render_document
from portal.reports.satisfaction import SatisfactionResults, satisfaction_results
from portal.reports.termly import paragraphs

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "complaints_report.published": "Annual complaints report published",
    "complaints_report.corrected": "Published annual complaints report corrected",
}

CONTENT_TEMPLATE = "reports/_complaints_document.html"
PRINT_TEMPLATE = "reports/complaints_print.html"


class PublishError(RuleError):
    """Why the report cannot be published, in words for the manager."""


class PackIncomplete(PublishError):
    """The governance pack lacks what publishing needs: ``missing`` says what, and where."""

    def __init__(self, year: FinancialYear, missing: list[governance.Missing]):
        super().__init__(f"The report for {year.label} cannot be published until its governance pack is complete")
        self.missing = missing


def period_of(year: FinancialYear) -> str:
    return str(year.start_year)


def versions_of(year: FinancialYear) -> list[PublishedDocument]:
    """The year's published versions, newest first; none while it is provisional."""
    return documents.versions(documents.COMPLAINTS_REPORT, period_of(year))


def render_content(
    report: ComplaintsReport,
    satisfaction: SatisfactionResults | None = None,
    *,
    pack: governance.PackContent | None = None,
    equality_results: equality.EqualityResults | None = None,
) -> str:
    """The report's content as HTML, with what families said about how their complaints were
    handled in the same period and the equality monitoring answers (each counted now if not
    given), and, once published, its governance pack."""
    if satisfaction is None:
        satisfaction = satisfaction_results(report.period, report.as_of)
    if equality_results is None:
        equality_results = equality_of(report.year)
    return render_document(
        CONTENT_TEMPLATE,
        report=report,
        satisfaction=satisfaction,
        pack=pack,
        equality=equality_results,
        ombudsman_figures=governance.OMBUDSMAN_FIGURES,
        paragraphs=paragraphs,
        min_group=MIN_GROUP,
        fewer=FEWER,
    )


def equality_of(year: FinancialYear) -> equality.EqualityResults:
    return equality.results(year.starts_on, year.ends_on)


def publish(actor: User, year: FinancialYear, today: date, *, note: str | None = None) -> PublishedDocument:
    """Publish the year's report as it stands now, with its governance pack as prepared, as its
    first version, or as the next one when it was published before (which needs ``note``,
    saying what the correction changes). Raises PackIncomplete while the pack lacks a
    section's self-assessment or the governance response."""
    if today <= year.ends_on:
        raise PublishError(
            f"You can publish the report for {year.label} once the year has ended, on {format_day(year.ends_on)}"
        )
    note = (note or "").strip() or None
    number = documents.next_version(documents.COMPLAINTS_REPORT, period_of(year))
    if number > 1 and not note:
        raise PublishError("Enter what this correction changes", "note")
    pack = governance.pack_for(year)
    gaps = governance.missing(pack)
    if gaps:
        raise PackIncomplete(year, gaps)
    content = governance.content_of(pack)
    now = utcnow()
    report = complaints_report(year, now)
    satisfaction = satisfaction_results(year, now)
    equality_results = equality_of(year)
    draft = documents.Draft(
        kind=documents.COMPLAINTS_REPORT,
        period=period_of(year),
        version=number,
        title=f"Annual complaints performance report: {year.label}",
        published_at=now,
        note=note if number > 1 else None,
    )
    document = documents.freeze(
        actor,
        draft,
        content_html=render_content(report, satisfaction, pack=content, equality_results=equality_results),
        render_pdf=_pdf_renderer(year),
        figures=[
            list(row)
            for row in [*report.figures(), *satisfaction.figures(), *content.figures(), *equality_results.figures()]
        ],
    )
    action = "complaints_report.published" if number == 1 else "complaints_report.corrected"
    audit.record(actor, action, document, year=year.start_year, version=number)
    return document


def _pdf_renderer(year: FinancialYear):
    def render(draft: documents.Draft, content_html: str) -> bytes:
        address = public_url("reports.complaints", year=year.start_year)
        return print_pdf(PRINT_TEMPLATE, draft=draft, content=content_html, year=year, address=address)

    return render


def years_to_publish(earliest: date | None, today: date) -> list[FinancialYear]:
    """The years that have ended, newest first, back to the first with any feedback: always
    at least last year, whose report is due even if nothing was received."""
    last_year = periods.current_year(today).previous()
    return periods.years_to_offer(earliest, last_year, today)[1:]


def pdf_filename(year: FinancialYear, version: int | None = None) -> str:
    suffix = f"-version-{version}" if version else ""
    return f"complaints-report-{year.short_label}{suffix}.pdf"
