"""Public reports: the annual complaints performance report at /reports/complaints.

Open to everyone, no sign-in: the report holds counts only (see portal.reports.complaints).
"""

from flask import Blueprint, render_template, request

from portal.core.exports import csv_response
from portal.core.page_cache import public_page
from portal.reports import periods
from portal.reports.complaints import complaints_report, earliest_received

bp = Blueprint("reports", __name__, url_prefix="/reports")

CSV_HEADER = ("Period", "Section", "Measure", "Breakdown", "Value")


@bp.get("/complaints")
@public_page
def complaints():
    year, message = periods.parse_year(request.args.get("year"))
    report = complaints_report(year)
    return render_template(
        "reports/complaints.html",
        report=report,
        message=message,
        years=periods.years_to_offer(earliest_received(), year),
    )


@bp.get("/complaints.csv")
@public_page
def complaints_csv():
    # A value that is not a year gets the current year's figures; the file's name says which.
    year, _ = periods.parse_year(request.args.get("year"))
    report = complaints_report(year)
    return csv_response(
        f"complaints-report-{year.short_label}.csv",
        CSV_HEADER,
        ((year.label, *figure) for figure in report.figures()),
    )
