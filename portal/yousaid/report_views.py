"""Public reports: the annual complaints performance report at /reports/complaints."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
