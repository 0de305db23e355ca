"""The public improvement plan at /improvement: no sign-in needed.

Only published versions are read here, never the working rows, so a draft is never public.
The page judges lateness against the London date, which is part of every cached page's key,
so a milestone that becomes late at midnight is shown so from the first request that day.
A past version is judged as it stood on the day it was published, so it never changes.
"""

from feedgen.feed import FeedGenerator
from flask import Blueprint, abort, current_app, jsonify, render_template

from portal.core.exports import csv_response
from portal.core.links import public_url
from portal.core.page_cache import public_page
from portal.core.time import london_today, utcnow
from portal.improvement import published
from portal.improvement.charts import chart_for

bp = Blueprint("improvement", __name__)

DESCRIPTION = (
    "The council's improvement plan for children with additional needs, as last published: each area "
    "of weakness the inspectors found, the actions for it with their owner and named lead, each milestone "
    "with its target date and status, and the measures of progress with their baseline, target and values. "
    "No personal data other than the names and roles of the leads."
)


def _page(plan: published.Plan | None, today, *, current: bool):
    return render_template(
        "improvement/index.html",
        plan=plan,
        today=today,
        behind=published.behind_schedule(plan, today),
        versions=published.versions(),
        chart_for=chart_for,
        current=current,
        evidence_labels=published.EVIDENCE_LABELS,
    )


@bp.route("/improvement")
@public_page
def index():
    return _page(published.published_plan(), london_today(), current=True)


@bp.route("/improvement/versions/<int:number>")
@public_page
def version(number: int):
    plan = published.published_version(number)
    if plan is None:
        abort(404)
    return _page(plan, plan.published_on, current=False)


# --- the feed and open data ------------------------------------------------------------------


def _open(response):
    """Open data: any site may read it (it holds nothing personal, and no cookie is sent)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/improvement/feed.atom")
@public_page
def feed():
    rows = published.versions()
    feed = FeedGenerator()
    feed.id(public_url("improvement.index"))
    feed.title(f"Improvement plan \u2013 {current_app.config['SERVICE_NAME']}")
    feed.subtitle(DESCRIPTION)
    feed.author({"name": current_app.config["COUNCIL_NAME"]})
    feed.language("en-GB")
    feed.link(href=public_url("improvement.index"), rel="alternate")
    feed.link(href=public_url("improvement.feed"), rel="self")
    feed.updated(rows[0].published_at if rows else utcnow())
    for version in rows:
        item = feed.add_entry(order="append")
        link = public_url("improvement.version", number=version.number)
        item.id(link)
        item.link(href=link, rel="alternate")
        item.title(f"Version {version.number} of the improvement plan")
        item.published(version.published_at)
        item.updated(version.published_at)
        item.content(version.summary, type="text")
    return _open(current_app.response_class(feed.atom_str(pretty=True), mimetype="application/atom+xml"))


def _milestone_rows(plan: published.Plan | None, today):
    for area in plan.areas if plan else []:
        for action in area.actions:
            for milestone in action.milestones:
                yield {
                    "area": area.title,
                    "action": action.title,
                    "owner": action.owner_label,
                    "lead_name": action.lead_name,
                    "lead_role": action.lead_role,
                    "milestone": milestone.title,
                    "due": milestone.horizon_label,
                    "target_on": milestone.target_on.isoformat(),
                    "status": milestone.status,
                    "status_label": milestone.status_label,
                    "late": milestone.is_late(today),
                    "last_changed_on": milestone.history[-1].changed_on.isoformat() if milestone.history else None,
                    "last_reason": milestone.history[-1].reason if milestone.history else None,
                }


def _measure_rows(plan: published.Plan | None):
    for area in plan.areas if plan else []:
        for measure in area.measures:
            for value in measure.values:
                yield {
                    "area": area.title,
                    "measure": measure.title,
                    "unit": measure.unit,
                    "baseline": measure.baseline,
                    "target": measure.target,
                    "higher_is_better": measure.higher_is_better,
                    "computed_by_the_portal": measure.computed_from is not None,
                    "period": value.period,
                    "measured_on": value.measured_on.isoformat(),
                    "value": value.value,
                    "source": value.source,
                }


MILESTONE_HEADER = [
    "area",
    "action",
    "owner",
    "lead_name",
    "lead_role",
    "milestone",
    "due",
    "target_on",
    "status",
    "status_label",
    "late",
    "last_changed_on",
    "last_reason",
]
MEASURE_HEADER = [
    "area",
    "measure",
    "unit",
    "baseline",
    "target",
    "higher_is_better",
    "computed_by_the_portal",
    "period",
    "measured_on",
    "value",
    "source",
]


@bp.route("/improvement/milestones.csv")
@public_page
def milestones_csv():
    rows = _milestone_rows(published.published_plan(), london_today())
    return _open(
        csv_response("improvement-milestones.csv", MILESTONE_HEADER, ([r[n] for n in MILESTONE_HEADER] for r in rows))
    )


@bp.route("/improvement/measures.csv")
@public_page
def measures_csv():
    rows = _measure_rows(published.published_plan())
    return _open(
        csv_response("improvement-measures.csv", MEASURE_HEADER, ([r[n] for n in MEASURE_HEADER] for r in rows))
    )


@bp.route("/improvement.json")
@public_page
def open_data_json():
    plan = published.published_plan()
    today = london_today()
    document = published.to_document(plan.areas) if plan else {"areas": []}
    for area, frozen in zip(document["areas"], plan.areas if plan else [], strict=True):
        area["status"] = frozen.status
        for action, frozen_action in zip(area["actions"], frozen.actions, strict=True):
            for milestone, frozen_milestone in zip(action["milestones"], frozen_action.milestones, strict=True):
                milestone["late"] = frozen_milestone.is_late(today)
    return _open(
        jsonify(
            {
                "description": DESCRIPTION,
                "publisher": current_app.config["COUNCIL_NAME"],
                "generated_at": utcnow().isoformat(timespec="seconds"),
                "version": plan.number if plan else None,
                "published_at": plan.published_at.isoformat(timespec="seconds") if plan else None,
                "summary": plan.summary if plan else None,
                "as_of": today.isoformat(),
                "areas": document["areas"],
            }
        )
    )
