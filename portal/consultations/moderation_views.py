"""Moderation, results, export and the published outcome, under /manage/consultations."""

from flask import Blueprint

bp = Blueprint("consultation_moderation", __name__, url_prefix="/manage/consultations")
