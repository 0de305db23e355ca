"""The improvement plan: managers keep it at /manage/improvement as a draft and publish it as
numbered versions; the public reads only the newest version at /improvement (with every
milestone off track or late listed), each version at its own address, the Atom feed and the
open data; and the portal fills in the measures it can compute itself, once a term.
"""

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from itertools import count
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts import roles
from portal.consultations import models as cm
from portal.core.terms import term_of
from portal.core.time import LONDON, london_today
from portal.extensions import db
from portal.improvement import measure_sources, plan
from portal.improvement.models import (
    AT_RISK,
    COUNCIL,
    DONE,
    NHS,
    OFF_TRACK,
    ON_TRACK,
    Area,
    MeasureValue,
    Milestone,
    MilestoneChange,
    PlanVersion,
)
from portal.improvement.published import behind_schedule, published_plan, published_version
from portal.yousaid.models import YouSaidEntry
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.query_counts import count_queries
from tests.test_security import _Page, error_summary, page
from tests.test_yousaid_entries import make_case, make_entry, make_theme

ATOM = "{http://www.w3.org/2005/Atom}"
UTC = timezone.utc
_numbers = count(1)


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def text(response) -> str:
    return page(response).text


def make_area(app, *, title=None, milestones=(("Hire six therapists", 90, None),), measure=True) -> dict:
    """An area with one action and its milestones (title, days from today, status or None),
    and a measure with two values, through the services. Returns their ids."""
    with app.app_context():
        actor = make_user(roles.MANAGER)
        area = plan.add_area(
            actor,
            title=title or f"Long waits for therapies {next(_numbers)}",
            finding="Some families waited up to 90 weeks for speech and language therapy.",
        )
        action = plan.add_action(
            actor,
            area,
            title="Cut the waiting list for speech and language therapy",
            owner=NHS,
            lead_name="Dr Asha Patel",
            lead_role="Director of children's therapies",
        )
        ids = []
        for name, days, status in milestones:
            milestone = plan.add_milestone(
                actor, action, title=name, horizon_months=3, target_on=london_today() + timedelta(days=days)
            )
            if status:
                plan.change_status(actor, milestone, status, f"{name}: moved to {status}.")
            ids.append(milestone.id)
        measure_id = None
        if measure:
            row = plan.add_measure(
                actor,
                area,
                title="Weeks waited for therapy",
                unit="weeks",
                baseline=90,
                target=18,
                higher_is_better=False,
            )
            for period, days_ago, value in (("Spring term", 200, 80), ("Summer term", 100, 64)):
                plan.add_value(
                    actor,
                    row,
                    period=period,
                    measured_on=london_today() - timedelta(days=days_ago),
                    value=value,
                    source="NHS therapy waiting list",
                )
            measure_id = row.id
        db.session.commit()
        return {"area_id": area.id, "action_id": action.id, "milestone_ids": ids, "measure_id": measure_id}


def publish(app, summary="The first plan.") -> int:
    with app.app_context():
        version = plan.publish(make_user(roles.MANAGER), summary)
        db.session.commit()
        return version.number


def not_enough_progress(response) -> str:
    """The words of the section listing milestones behind schedule."""
    html = response.get_data(as_text=True)
    start = html.index('id="not-enough-progress"')
    return _Page(html[start : html.index('aria-labelledby="areas-heading"', start)]).text


# --- what the public sees ------------------------------------------------------------------


def test_every_off_track_and_late_milestone_is_listed_publicly_and_nothing_else(app, client):
    make_area(
        app,
        title="Long waits for therapies",
        milestones=[
            ("Open a second clinic", 60, OFF_TRACK),
            ("Publish the waiting times", -3, None),
            ("Train school staff", 30, ON_TRACK),
            ("Write the therapy strategy", -10, DONE),
            ("Recruit assistants", -1, AT_RISK),
        ],
    )
    publish(app)

    section = not_enough_progress(client.get("/improvement"))
    assert "Open a second clinic" in section and "Off track" in section
    assert "Publish the waiting times" in section and "Late" in section
    assert "Recruit assistants" in section  # at risk, and past its date
    assert "Train school staff" not in section
    assert "Write the therapy strategy" not in section
    with app.app_context():
        behind = behind_schedule(published_plan(), london_today())
    assert [(b.milestone.title, b.off_track, b.late) for b in behind] == [
        ("Publish the waiting times", False, True),
        ("Recruit assistants", False, True),
        ("Open a second clinic", True, False),
    ]


def test_the_section_says_so_when_nothing_is_behind(app, client):
    make_area(app, milestones=[("Train school staff", 30, ON_TRACK)])
    publish(app)
    section = not_enough_progress(client.get("/improvement"))
    assert "no milestone is off track" in section


def test_a_milestone_becomes_late_at_london_midnight_even_on_a_cached_page(app):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    evening = datetime(2026, 12, 7, 23, 30, tzinfo=LONDON)
    with time_machine.travel(evening, tick=False):
        make_area(app, milestones=[("Publish the waiting times", 0, ON_TRACK)])
        publish(app)
        assert "Publish the waiting times" not in not_enough_progress(app.test_client().get("/improvement"))
        assert count_queries(app, app.test_client(), "/improvement") == 0  # kept
    with time_machine.travel(evening + timedelta(hours=1), tick=False):
        section = not_enough_progress(app.test_client().get("/improvement"))
    assert "Publish the waiting times" in section and "Late" in section


def test_drafts_are_never_public_until_the_next_publication(app, client, manager):
    made = make_area(app, title="Weak engagement with parents")
    publish(app)
    public = app.test_client()
    before = public.get("/improvement").get_data(as_text=True)

    response = client.post(
        f"/manage/improvement/areas/{made['area_id']}",
        data={"title": "Parents not heard", "finding": "Parents were not listened to."},
    )
    assert response.status_code == 302
    client.post(
        f"/manage/improvement/milestones/{made['milestone_ids'][0]}/status",
        data={"status": OFF_TRACK, "reason": "Two therapists left."},
    )
    assert public.get("/improvement").get_data(as_text=True) == before
    assert "Parents not heard" not in public.get("/improvement.json").get_data(as_text=True)
    assert "There are changes the public cannot see yet" in text(client.get("/manage/improvement"))

    response = client.post("/manage/improvement/publish", data={"summary": "Renamed an area; a milestone slipped."})
    assert response.status_code == 302
    shown = text(public.get("/improvement"))
    assert "Parents not heard" in shown and "Weak engagement with parents" not in shown
    assert "Two therapists left." in not_enough_progress(public.get("/improvement"))
    assert "Renamed an area; a milestone slipped." in shown


def test_a_published_version_never_changes(app, client, manager):
    made = make_area(app, title="Local Offer hard to find")
    assert publish(app, "First.") == 1
    first = app.test_client().get("/improvement/versions/1").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(sa.select(PlanVersion).where(PlanVersion.number == 1))
        document = json.dumps(stored.plan, sort_keys=True)

    client.post(
        f"/manage/improvement/milestones/{made['milestone_ids'][0]}/status",
        data={"status": DONE, "reason": "All six started in November."},
    )
    client.post(f"/manage/improvement/areas/{made['area_id']}", data={"title": "Local Offer rebuilt", "finding": "x"})
    assert publish(app, "Second.") == 2

    assert app.test_client().get("/improvement/versions/1").get_data(as_text=True) == first
    with app.app_context():
        stored = db.session.scalar(sa.select(PlanVersion).where(PlanVersion.number == 1))
        assert json.dumps(stored.plan, sort_keys=True) == document
    second = text(client.get("/improvement/versions/2"))
    assert "Local Offer rebuilt" in second and "All six started in November." in second
    assert client.get("/improvement/versions/3").status_code == 404
    history = text(app.test_client().get("/improvement"))
    assert "Version 1" in history and "First." in history and "Version 2" in history and "Second." in history


def test_publishing_nothing_new_or_without_a_summary_is_refused(app, client, manager):
    make_area(app)
    response = client.post("/manage/improvement/publish", data={"summary": "  "})
    assert response.status_code == 200
    assert "Enter a short summary of what changed" in error_summary(response)
    assert client.post("/manage/improvement/publish", data={"summary": "First."}).status_code == 302
    response = client.post("/manage/improvement/publish", data={"summary": "Again."})
    assert response.status_code == 200
    assert "Nothing has changed since version 1 was published" in error_summary(response)
    assert "Again." in response.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PlanVersion.id))) == 1


def test_a_status_change_needs_a_reason_and_is_kept_in_its_history(app, client, manager):
    made = make_area(app)
    path = f"/manage/improvement/milestones/{made['milestone_ids'][0]}/status"

    response = client.post(path, data={"status": AT_RISK, "reason": ""})
    assert response.status_code == 200
    assert "Enter why the status is changing" in error_summary(response)
    assert 'value="at_risk" checked' in response.get_data(as_text=True)

    assert client.post(path, data={"status": AT_RISK, "reason": "A therapist is leaving."}).status_code == 302
    later = datetime.now(UTC) + timedelta(days=3)
    with time_machine.travel(later, tick=False), app.app_context():
        plan.change_status(None, db.session.get(Milestone, made["milestone_ids"][0]), OFF_TRACK, "No one replaced her.")
        db.session.commit()
    with app.app_context():
        changes = db.session.scalars(sa.select(MilestoneChange).order_by(MilestoneChange.id)).all()
        assert [(c.status, c.reason, c.changed_on) for c in changes] == [
            (AT_RISK, "A therapist is leaving.", london_today()),
            (OFF_TRACK, "No one replaced her.", later.astimezone(LONDON).date()),
        ]
    history = text(client.get(path))
    assert "A therapist is leaving." in history and "No one replaced her." in history

    publish(app)
    with app.app_context():
        milestone = published_plan().areas[0].actions[0].milestones[0]
    assert [c.reason for c in milestone.history] == ["A therapist is leaving.", "No one replaced her."]


@pytest.mark.parametrize("role", [roles.PARENT, roles.YOUTH, roles.CASEWORKER, roles.ADMIN])
def test_only_managers_keep_the_plan(app, users, auth, client, role):
    made = make_area(app)
    assert client.get("/manage/improvement").status_code == 302  # to sign in
    auth.sign_in(users.make(role))
    assert client.get("/manage/improvement").status_code == 403
    assert client.get(f"/manage/improvement/areas/{made['area_id']}").status_code == 403


def test_an_area_that_does_not_exist_is_not_found(app, client, manager):
    assert client.get("/manage/improvement/areas/99999").status_code == 404
    assert client.get("/manage/improvement/milestones/99999/status").status_code == 404


# --- forms ---------------------------------------------------------------------------------


def test_a_manager_builds_the_plan_through_the_pages(app, client, manager):
    response = client.post("/manage/improvement/areas/new", data={"title": "", "finding": ""})
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Enter the area of weakness" in summary and "Enter what the inspectors found" in summary
    assert text(response).startswith("Error:") or "Error:" in page(response).title

    response = client.post(
        "/manage/improvement/areas/new", data={"title": "No shared strategy", "finding": "Nobody agreed a plan."}
    )
    assert response.status_code == 302
    with app.app_context():
        area_id = db.session.scalar(sa.select(Area.id).where(Area.title == "No shared strategy"))
    response = client.post(
        f"/manage/improvement/areas/{area_id}/actions/new",
        data={"title": "Agree a strategy", "owner": COUNCIL, "lead_name": "Sam Lee", "lead_role": "Director"},
    )
    assert response.status_code == 302
    with app.app_context():
        action_id = db.session.scalar(sa.select(Area).where(Area.id == area_id)).actions[0].id

    response = client.post(
        f"/manage/improvement/actions/{action_id}/milestones/new",
        data={"title": "Strategy signed", "horizon_months": "6", "target_on": ["31", "2", ""]},
    )
    assert response.status_code == 200
    assert "The target date must include a year" in error_summary(response)
    response = client.post(
        f"/manage/improvement/actions/{action_id}/milestones/new",
        data={
            "title": "Strategy signed",
            "horizon_months": "6",
            "target_on": ["31", "3", "2027"],
        },
    )
    assert response.status_code == 302

    response = client.post(
        f"/manage/improvement/areas/{area_id}/measures/new",
        data={
            "title": "Plans on time",
            "unit": "%",
            "baseline": "about ten",
            "target": "60",
            "higher_is_better": "yes",
        },
    )
    assert response.status_code == 200
    assert "The baseline must be a number" in error_summary(response)
    assert 'value="about ten"' in response.get_data(as_text=True)
    response = client.post(
        f"/manage/improvement/areas/{area_id}/measures/new",
        data={"title": "Plans on time", "unit": "%", "baseline": "9.5", "target": "60", "higher_is_better": "yes"},
    )
    assert response.status_code == 302

    shown = text(client.get(f"/manage/improvement/areas/{area_id}"))
    assert "Agree a strategy" in shown and "Strategy signed" in shown and "Plans on time" in shown


def test_evidence_is_chosen_with_checkboxes_and_published_with_its_links(app, client, manager):
    made = make_area(app)
    theme = make_theme(app, "Speech and language therapy")
    entry = make_entry(app, theme, title="More therapists")
    with app.app_context():
        consultation = make_consultation(title="Therapy waits", state=cm.OUTCOME_PUBLISHED)
        db.session.commit()
        consultation_id = consultation.id
    path = f"/manage/improvement/areas/{made['area_id']}/evidence"
    form = client.get(path).get_data(as_text=True)
    assert 'type="checkbox"' in form and "More therapists" in form and "Therapy waits" in form

    response = client.post(
        path, data={"you_said": [str(entry)], "consultations": [str(consultation_id)], "themes": [str(theme)]}
    )
    assert response.status_code == 302
    publish(app)
    shown = client.get("/improvement").get_data(as_text=True)
    assert f"/you-said-we-did/{entry}" in shown
    assert "/consultations/therapy-waits" in shown and "We changed it." in shown
    assert "Speech and language therapy" in shown

    response = client.post(path, data={"themes": ["99999"]})
    assert response.status_code == 200
    assert "Choose only from the list" in error_summary(response)


# --- the feed and open data ----------------------------------------------------------------


def test_the_open_data_holds_the_published_plan(app, client):
    make_area(app, title="Long waits for therapies", milestones=[("Publish the waiting times", -3, None)])
    publish(app, "First.")

    rows = list(
        csv.DictReader(io.StringIO(client.get("/improvement/milestones.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert [(r["area"], r["milestone"], r["owner"], r["lead_name"], r["late"]) for r in rows] == [
        ("Long waits for therapies", "Publish the waiting times", "The NHS", "Dr Asha Patel", "Yes")
    ]
    response = client.get("/improvement/measures.csv")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    measures = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["measure"], r["period"], r["value"], r["higher_is_better"]) for r in measures] == [
        ("Weeks waited for therapy", "Spring term", "80.0", "No"),
        ("Weeks waited for therapy", "Summer term", "64.0", "No"),
    ]

    data = client.get("/improvement.json").get_json()
    assert data["version"] == 1 and data["summary"] == "First."
    area = data["areas"][0]
    assert area["title"] == "Long waits for therapies" and area["status"] == "not_started"
    assert area["actions"][0]["milestones"][0]["late"] is True
    assert [v["value"] for v in area["measures"][0]["values"]] == [80, 64]


def test_the_feed_has_an_entry_for_each_version(app, client):
    make_area(app)
    publish(app, "First.")
    with app.app_context():
        area = db.session.scalars(sa.select(Area)).first()
        plan.update_area(None, area, title="Changed", finding=area.finding)
        db.session.commit()
    publish(app, "Second.")
    feed = ElementTree.fromstring(client.get("/improvement/feed.atom").get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}content").text for e in entries] == ["Second.", "First."]
    assert entries[0].find(f"{ATOM}link").get("href").endswith("/improvement/versions/2")


def test_before_the_first_publication_the_page_says_so(app, client):
    make_area(app)
    assert "The plan has not been published yet" in text(client.get("/improvement"))
    assert client.get("/improvement.json").get_json()["areas"] == []


# --- the cache and the queries -------------------------------------------------------------


def test_publishing_shows_at_once_on_the_cached_page_and_drafts_do_not_disturb_it(app):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    made = make_area(app, title="Weak engagement with parents")
    publish(app)
    app.test_client().get("/improvement")
    assert count_queries(app, app.test_client(), "/improvement") == 0

    with app.app_context():
        area = db.session.get(Area, made["area_id"])
        plan.update_area(None, area, title="Parents not heard", finding=area.finding)
        db.session.commit()
    assert count_queries(app, app.test_client(), "/improvement") == 0  # a draft changes nothing public

    publish(app, "Renamed.")
    assert "Parents not heard" in text(app.test_client().get("/improvement"))


def test_the_public_page_costs_the_same_queries_however_many_areas(app, client):
    make_area(app)
    publish(app)
    one = count_queries(app, client, "/improvement")
    for _ in range(4):
        make_area(app, milestones=[("A", 10, OFF_TRACK), ("B", -5, None)])
    publish(app, "More.")
    assert count_queries(app, client, "/improvement") == one


def test_the_chart_has_words_and_the_same_numbers_are_in_a_table(app, client):
    make_area(app)
    publish(app)
    html = client.get("/improvement").get_data(as_text=True)
    assert '<svg class="twc-chart" role="img"' in html
    assert "<title" in html and "Values: Spring term, 80 weeks; Summer term, 64 weeks." in html
    assert "<script" not in html.split('<svg class="twc-chart"')[1].split("</svg>")[0]
    table = text(client.get("/improvement"))
    assert "Spring term 80" in table and "Summer term 64" in table


# --- the measures the portal computes ------------------------------------------------------


def test_the_portal_fills_in_its_own_measures_once_a_term(app, runner):
    term = term_of(london_today())
    made = make_area(app, measure=False)
    with app.app_context():
        area = db.session.get(Area, made["area_id"])
        actor = make_user(roles.MANAGER)
        for key in (measure_sources.CONSULTATION_TURNOUT, measure_sources.COMPLAINTS_ON_TIME):
            plan.add_measure(
                actor, area, title=key, unit="%", baseline=1, target=2, higher_is_better=True, source_key=key
            )
        closed = make_consultation(title="Transport", state=cm.CLOSED)
        for _ in range(3):
            author = make_user(roles.PARENT)
            db.session.add(cm.Response(consultation=closed, author_id=author.id, submitted_at=datetime.now(UTC)))
        db.session.commit()
    # Three complaints answered this term: two by the end of their deadline day, one a day late.
    day = max(term.starts_on, london_today() - timedelta(days=10))
    for due, answered in (
        (day, datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=23)),
        (day, datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=9)),
        (day, datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=25)),
    ):
        make_case(app, respond_by=due, responded_at=answered.astimezone(UTC), status="responded")

    result = runner.invoke(args=["improvement", "fill-measures", "--term", term.slug])
    assert result.exit_code == 0, result.output
    assert "Recorded 2 value(s)" in result.output
    result = runner.invoke(args=["improvement", "fill-measures", "--term", term.slug])
    assert "Recorded 0 value(s)" in result.output
    with app.app_context():
        values = {
            v.measure.source_key: v.value
            for v in db.session.scalars(sa.select(MeasureValue).where(MeasureValue.term == term.slug))
        }
    assert values == {measure_sources.CONSULTATION_TURNOUT: 3.0, measure_sources.COMPLAINTS_ON_TIME: 66.7}


def test_a_term_with_nothing_to_count_records_nothing(app):
    made = make_area(app, measure=False)
    with app.app_context():
        area = db.session.get(Area, made["area_id"])
        plan.add_measure(
            None,
            area,
            title="Satisfaction",
            unit="%",
            baseline=40,
            target=70,
            higher_is_better=True,
            source_key=measure_sources.SATISFACTION,
        )
        assert plan.fill_computed_measures(term_of(london_today())) == 0


def test_a_status_never_changes_without_a_reason_through_the_service(app):
    made = make_area(app)
    with app.app_context():
        milestone = db.session.get(Milestone, made["milestone_ids"][0])
        with pytest.raises(plan.PlanError, match="Enter why the status is changing"):
            plan.change_status(None, milestone, OFF_TRACK, "   ")
        assert milestone.status != OFF_TRACK


def test_a_you_said_entry_that_is_a_draft_is_not_offered_as_evidence(app):
    theme = make_theme(app, "Letters")
    make_entry(app, theme, title="Draft entry", published=False)
    with app.app_context():
        assert [e.title for e in plan.linkable_you_said()] == []
        assert db.session.scalar(sa.select(sa.func.count(YouSaidEntry.id))) == 1


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_plan_is_published_twice_with_every_status_and_something_behind(app, demo, client):
    with app.app_context():
        current = published_plan()
        first = published_version(1)
        milestones = [m for area in current.areas for m in area.milestones]
        assert current.number == 2
        assert {m.status for m in milestones} == {"not_started", ON_TRACK, AT_RISK, OFF_TRACK, DONE}
        behind = behind_schedule(current, london_today())
        assert any(b.off_track for b in behind) and any(b.late and not b.off_track for b in behind)
        # The second version differs from the first by one milestone's status and its reason.
        before = {m.id: m.status for area in first.areas for m in area.milestones}
        after = {m.id: m.status for m in milestones}
        assert [i for i in after if after[i] != before[i]] == [next(m.id for m in milestones if m.status == OFF_TRACK)]
        measures = [measure for area in current.areas for measure in area.measures]
        assert all(len(measure.values) == 3 for measure in measures if measure.computed_from is None)
        assert any(measure.computed_from and measure.values for measure in measures)
        assert any(area.evidence for area in current.areas)
    section = not_enough_progress(client.get("/improvement"))
    assert "Recruitment failed twice" in section


def test_a_manager_changes_a_milestones_date_and_a_measure_without_touching_the_status(app, client, manager):
    made = make_area(app, milestones=[("Open a clinic", 30, ON_TRACK)])
    path = f"/manage/improvement/milestones/{made['milestone_ids'][0]}"
    assert 'value="Open a clinic"' in client.get(path).get_data(as_text=True)
    response = client.post(
        path, data={"title": "Open a clinic", "horizon_months": "6", "target_on": ["30", "2", "2027"]}
    )
    assert response.status_code == 200
    assert "The target date must be a real date" in error_summary(response)
    response = client.post(
        path, data={"title": "Open a clinic", "horizon_months": "6", "target_on": ["1", "3", "2027"]}
    )
    assert response.status_code == 302

    response = client.post(
        f"/manage/improvement/measures/{made['measure_id']}",
        data={"title": "Longest wait", "unit": "weeks", "baseline": "90", "target": "12", "higher_is_better": "no"},
    )
    assert response.status_code == 302
    with app.app_context():
        milestone = db.session.get(Milestone, made["milestone_ids"][0])
        assert (milestone.target_on, milestone.horizon_months, milestone.status) == (date(2027, 3, 1), 6, ON_TRACK)
        measure = db.session.get(Area, made["area_id"]).measures[0]
        assert (measure.title, measure.target, measure.higher_is_better) == ("Longest wait", 12, False)


def test_a_domain_above_can_offer_a_measure_the_portal_computes(app, client, manager, monkeypatch):
    monkeypatch.setattr(measure_sources, "SOURCES", dict(measure_sources.SOURCES))
    measure_sources.register_source("tribunal_appeals", "Appeals to the SEND Tribunal", lambda term: 12, unit="appeals")
    made = make_area(app, measure=False)
    form = client.get(f"/manage/improvement/areas/{made['area_id']}/measures/new").get_data(as_text=True)
    assert "Computed by the portal: Appeals to the SEND Tribunal" in form
    response = client.post(
        f"/manage/improvement/areas/{made['area_id']}/measures/new",
        data={
            "title": "Tribunal appeals",
            "unit": "appeals",
            "baseline": "40",
            "target": "20",
            "higher_is_better": "no",
            "source_key": "tribunal_appeals",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert plan.fill_computed_measures(term_of(london_today())) == 1
        db.session.commit()
    publish(app)
    with app.app_context():
        measure = published_plan().areas[0].measures[0]
    assert measure.computed_from == "Appeals to the SEND Tribunal"
    assert [value.value for value in measure.values] == [12]


def test_satisfaction_is_computed_only_from_enough_answers(app):
    from portal.feedback.survey_models import SatisfactionSurvey

    term = term_of(london_today())
    answered = max(term.starts_at, datetime.now(UTC) - timedelta(days=1))
    cases = [make_case(app)[0] for _ in range(5)]
    with app.app_context():
        for case_id, score in zip(cases, (5, 4, 2, 1), strict=False):
            db.session.add(
                SatisfactionSurvey(case_id=case_id, stage=1, channel="email", answered_at=answered, satisfaction=score)
            )
        db.session.commit()
        assert measure_sources.satisfaction_with_complaint_handling(term) is None  # four answers: too few
        db.session.add(
            SatisfactionSurvey(case_id=cases[4], stage=1, channel="email", answered_at=answered, satisfaction=4)
        )
        db.session.commit()
        assert measure_sources.satisfaction_with_complaint_handling(term) == 60.0


def test_the_plan_shows_a_parent_where_to_take_part(app, client):
    make_area(app)
    publish(app)
    html = client.get("/improvement").get_data(as_text=True)
    section = html.split('id="take-part"', 1)[1].split('id="versions"', 1)[0]
    assert 'href="/take-part"' in section
