"""The public co-production board at /consultations, and answering it."""

from flask import Blueprint

bp = Blueprint("consultations", __name__, url_prefix="/consultations")
