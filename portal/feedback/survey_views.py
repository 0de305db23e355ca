"""The page a family answers the satisfaction survey on, at /survey/<token>: no account needed,
the signed link is enough. Opening it records nothing (link scanners follow links); pressing
the button does, once. A link we never made is not found (404); an expired one says so (410)."""

from flask import Blueprint, abort, make_response, redirect, render_template, url_for

from portal.core.forms import form_page
from portal.extensions import db
from portal.feedback import survey
from portal.feedback.survey_forms import SurveyForm

bp = Blueprint("feedback_survey", __name__)


def _no_store(body: str, status: int = 200):
    # The page's address holds the family's link: keep it out of caches and search engines.
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/survey/<token>", methods=["GET", "POST"])
@form_page
def answer(token: str):
    try:
        found = survey.find(token)
    except survey.SurveyLinkExpired:
        return _no_store(render_template("feedback_survey/expired.html", days=survey.LINK_DAYS), 410)
    if found is None:
        abort(404)
    if found.answered:
        return _no_store(render_template("feedback_survey/thanks.html"))
    form = SurveyForm()
    if form.validate_on_submit():
        survey.answer(
            found, satisfaction=int(form.satisfaction.data), listened=form.listened.data, comments=form.comments.data
        )
        db.session.commit()
        return redirect(url_for("feedback_survey.answer", token=token))
    return _no_store(render_template("feedback_survey/answer.html", form=form, stage=found.stage))
