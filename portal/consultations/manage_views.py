"""Managers write consultations at /manage/consultations: details, questions, publishing."""

from flask import Blueprint

bp = Blueprint("consultation_admin", __name__, url_prefix="/manage/consultations")
