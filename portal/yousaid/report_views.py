"""Public reports: the annual complaints performance report at /reports/complaints.

Open to everyone, no sign-in: the report holds counts only (see report_queries).
"""

from flask import Blueprint, render_template, request

from portal.core.exports import csv_response
from portal.yousaid import periods, report_queries

bp = Blueprint("reports", __name__, url_prefix="/reports")

CSV_HEADER = ("Period", "Section", "Measure", "Breakdown", "Value")


@bp.get("/complaints")
def complaints():
    year, message = periods.parse_year(request.args.get("year"))
    report = report_queries.complaints_report(year)
    return render_template(
        "reports/complaints.html",
        report=report,
        message=message,
        years=periods.years_to_offer(report_queries.earliest_received(), year),
    )


@bp.get("/complaints.csv")
def complaints_csv():
    # A value that is not a year gets the current year's figures; the file's name says which.
    year, _ = periods.parse_year(request.args.get("year"))
    report = report_queries.complaints_report(year)
    return csv_response(
        f"complaints-report-{year.short_label}.csv",
        CSV_HEADER,
        ((year.label, *figure) for figure in report.figures()),
    )
