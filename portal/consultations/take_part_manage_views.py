"""Managers write ways to take part at /manage/consultations/opportunities: details,
publishing, cancelling, and who has a place with what they need (seen only here).

Thin: the views parse the forms, call portal.consultations.take_part (the rules), commit and
render.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import take_part
from portal.consultations import take_part_forms as forms
from portal.consultations import take_part_models as t
from portal.core import audit
from portal.core.forms import form_page
from portal.core.rules import RuleError, show_on_form
from portal.extensions import db

bp = Blueprint("consultations_opportunities", __name__, url_prefix="/manage/consultations/opportunities")

managers_only = role_required(roles.MANAGER)
TITLE_CLASH = "Another opportunity with a title like this was saved at the same moment. Save again"
STATE_TAGS = {t.DRAFT: "govuk-tag--grey", t.PUBLISHED: "govuk-tag--green", t.CANCELLED: "govuk-tag--red"}


@bp.context_processor
def shared():
    return {"state_tags": STATE_TAGS}


def _opportunity_or_404(opportunity_id: int, *, lock: bool = False) -> t.Opportunity:
    query = db.select(t.Opportunity).where(t.Opportunity.id == opportunity_id)
    if lock:
        query = query.with_for_update()
    opportunity = db.session.scalar(query)
    if opportunity is None:
        abort(404)
    return opportunity


def _to_opportunity(opportunity_id: int):
    return redirect(url_for(".opportunity", opportunity_id=opportunity_id))


@bp.route("")
@managers_only
def index():
    return render_template("consultations_opportunities/index.html", opportunities=take_part.all_for_managers())


@bp.route("/new", methods=["GET", "POST"])
@form_page
@managers_only
def new():
    form = forms.OpportunityForm()
    if form.validate_on_submit():
        try:
            opportunity = take_part.create(current_user, form.details())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.title.errors.append(TITLE_CLASH)
        else:
            flash(f"\u201c{opportunity.title}\u201d saved as a draft. Check it, then publish it.", "success")
            return _to_opportunity(opportunity.id)
    return render_template("consultations_opportunities/details.html", form=form, opportunity=None)


@bp.route("/<int:opportunity_id>")
@managers_only
def opportunity(opportunity_id: int):
    opportunity = _opportunity_or_404(opportunity_id)
    return render_template(
        "consultations_opportunities/opportunity.html",
        opportunity=opportunity,
        sign_ups=take_part.live_sign_ups(opportunity),
        publish_form=forms.ConfirmForm(),
        events=audit.history(opportunity),
    )


@bp.route("/<int:opportunity_id>/edit", methods=["GET", "POST"])
@form_page
@managers_only
def edit(opportunity_id: int):
    opportunity = _opportunity_or_404(opportunity_id, lock=request.method == "POST")
    if opportunity.status == t.CANCELLED:
        flash("A cancelled opportunity cannot be changed.", "error")
        return _to_opportunity(opportunity.id)
    form = forms.OpportunityForm.of(opportunity) if request.method == "GET" else forms.OpportunityForm()
    if form.validate_on_submit():
        try:
            changed = take_part.change(current_user, opportunity, form.details())
            db.session.commit()
        except RuleError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        except IntegrityError:
            db.session.rollback()
            form.title.errors.append(TITLE_CLASH)
        else:
            if changed:
                flash("Your changes have been saved.", "success")
            return _to_opportunity(opportunity.id)
    return render_template("consultations_opportunities/details.html", form=form, opportunity=opportunity)


@bp.route("/<int:opportunity_id>/publish", methods=["POST"])
@managers_only
def publish(opportunity_id: int):
    opportunity = _opportunity_or_404(opportunity_id, lock=True)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            take_part.publish(current_user, opportunity)
            db.session.commit()
        except RuleError as problem:
            db.session.rollback()
            flash(f"{problem}.", "error")
        else:
            flash(f"\u201c{opportunity.title}\u201d is published. People can take a place now.", "success")
    return _to_opportunity(opportunity.id)


@bp.route("/<int:opportunity_id>/cancel", methods=["GET", "POST"])
@form_page
@managers_only
def cancel(opportunity_id: int):
    opportunity = _opportunity_or_404(opportunity_id, lock=request.method == "POST")
    if opportunity.status == t.CANCELLED:
        flash("This opportunity has already been cancelled.", "info")
        return _to_opportunity(opportunity.id)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        told = take_part.cancel(current_user, opportunity)
        db.session.commit()
        people = "1 person" if told == 1 else f"{told} people"
        flash(f"\u201c{opportunity.title}\u201d is cancelled. We have emailed the {people} who had a place.", "success")
        return _to_opportunity(opportunity.id)
    return render_template(
        "consultations_opportunities/cancel.html", opportunity=opportunity, form=form, taken=opportunity.places_taken
    )
