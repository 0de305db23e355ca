"""Ways to take part, for everyone: /take-part lists upcoming opportunities and open
consultations together, soonest first; each opportunity has its own page, where parents and
youth forum members in its audience take a place (and give it back); both come as iCalendar.

Thin views: they parse the request, call portal.consultations.take_part (the rules), commit and
render. Drafts are never public: their addresses answer 404.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import board as queries
from portal.consultations import calendar_feed, take_part
from portal.consultations import take_part_forms as forms
from portal.consultations import take_part_models as t
from portal.consultations.models import Consultation
from portal.core.links import public_url
from portal.core.page_cache import public_page
from portal.core.rules import RuleError, show_on_form
from portal.core.time import london_today, utcnow
from portal.extensions import db

bp = Blueprint("consultations_take_part", __name__)

members_only = role_required(roles.PARENT, roles.YOUTH)
CALENDAR_TYPE = "text/calendar; charset=utf-8"


@dataclass
class Way:
    """One entry of the list: an opportunity on its day, or a consultation open until its
    closing date."""

    day: date
    opportunity: t.Opportunity | None = None
    consultation: Consultation | None = None


def ways_to_take_part(today: date) -> list[Way]:
    ways = [
        Way(opportunity.starts_in_london.date(), opportunity=opportunity) for opportunity in take_part.upcoming(today)
    ]
    ways += [Way(consultation.closes_on, consultation=consultation) for consultation in queries.board(today)["open"]]
    return sorted(ways, key=lambda way: (way.day, way.consultation is not None))


def _public_or_404(slug: str) -> t.Opportunity:
    opportunity = take_part.public_opportunity(slug)
    if opportunity is None:
        abort(404)
    return opportunity


def _link(opportunity: t.Opportunity) -> str:
    return public_url("consultations_take_part.opportunity", slug=opportunity.slug)


def _calendar_response(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _host() -> str:
    """The portal's public host name, which makes each event's UID unique the world over."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "together-we-can"


# --- reading ---------------------------------------------------------------------------------


@bp.route("/take-part")
@public_page
def index():
    today = london_today()
    return render_template(
        "consultations_take_part/index.html",
        ways=ways_to_take_part(today),
        today=today,
        places=take_part.places_of(current_user) if current_user.is_authenticated else [],
    )


@bp.route("/take-part.ics")
@public_page
def feed():
    events = [(opportunity, _link(opportunity)) for opportunity in take_part.upcoming()]
    body = calendar_feed.calendar(events, host=_host(), name="Together We CAN: ways to take part")
    return _calendar_response(body, "take-part.ics")


@bp.route("/take-part/<slug>")
@public_page
def opportunity(slug: str):
    opportunity = _public_or_404(slug)
    return _opportunity_page(opportunity, forms.TakePlaceForm() if opportunity.is_for(current_user) else None)


def _opportunity_page(opportunity: t.Opportunity, form, status: int = 200):
    sign_up = take_part.sign_up_of(opportunity, current_user)
    return (
        render_template(
            "consultations_take_part/opportunity.html",
            opportunity=opportunity,
            form=form,
            sign_up=sign_up if sign_up is not None and sign_up.is_live else None,
            started=opportunity.starts_at <= utcnow(),
            need_labels=t.NEED_LABELS,
        ),
        status,
    )


@bp.route("/take-part/<slug>.ics")
@public_page
def opportunity_calendar(slug: str):
    opportunity = _public_or_404(slug)
    body = calendar_feed.calendar([(opportunity, _link(opportunity))], host=_host(), name=opportunity.title)
    return _calendar_response(body, f"{opportunity.slug}.ics")


# --- taking a place --------------------------------------------------------------------------


@bp.route("/take-part/<slug>/place", methods=["POST"])
@members_only
def take_place(slug: str):
    opportunity = _public_or_404(slug)
    if not opportunity.is_for(current_user):
        abort(403)
    form = forms.TakePlaceForm()
    if form.validate_on_submit():
        try:
            had_place = take_part.sign_up_of(opportunity, current_user)
            had_place = had_place is not None and had_place.is_live
            take_part.take_place(opportunity, current_user, form.needs.data or [], form.access_needs.data or None)
            db.session.commit()
        except RuleError as problem:
            db.session.rollback()
            show_on_form(form, problem, form.needs)
        except IntegrityError:  # the same person, in another tab, a moment ago
            db.session.rollback()
            flash("You already have a place.", "info")
            return redirect(url_for(".opportunity", slug=slug))
        else:
            if had_place:
                flash("What you need to take part has been saved.", "success")
            else:
                flash(
                    f"You have a place at \u201c{opportunity.title}\u201d. We have sent you an email to confirm it.",
                    "success",
                )
            return redirect(url_for(".opportunity", slug=slug))
    return _opportunity_page(opportunity, form, 400)


@bp.route("/take-part/<slug>/give-up", methods=["GET", "POST"])
@members_only
def give_up(slug: str):
    opportunity = _public_or_404(slug)
    sign_up = take_part.sign_up_of(opportunity, current_user)
    if sign_up is None or not sign_up.is_live:
        flash("You do not have a place on this.", "info")
        return redirect(url_for(".opportunity", slug=slug))
    form = forms.GiveBackForm()
    if form.validate_on_submit():
        take_part.give_back_place(sign_up)
        db.session.commit()
        flash(f"You have given up your place at \u201c{opportunity.title}\u201d.", "success")
        return redirect(url_for(".opportunity", slug=slug))
    return render_template("consultations_take_part/give_up.html", opportunity=opportunity, form=form)
