"""The annual complaints performance report at /reports/complaints: the council's year (1 April
to 31 March, UK time), volumes by category and stage, complaints not taken on and why,
outcomes, timescales with extensions, what is said about the Ombudsman, learning and changes
made, and the same figures as a CSV download.

The figures are checked against a small fixed set of complaints whose counts were worked out by
hand (see YEAR_2025 below), including complaints received either side of midnight on 31 March,
a complaint answered in the year after it arrived, and complaints still open. Every case carries
distinctive personal details and free text, and none of it may reach the page or the CSV.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from itertools import count

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.accounts import roles
from portal.casework import clocks, services
from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy
from portal.core.calendar import add_working_days, receipt_day, working_days_between
from portal.core.time import LONDON, london_today
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Adjustment, Case, CaseMessage
from portal.reports import governance, periods
from portal.reports.complaints import complaints_report
from portal.reports.periods import FinancialYear
from portal.themes.models import LearningTheme
from tests.casework_helpers import category_id, get_case, new_case
from tests.factories import get_user, make_user
from tests.governance_helpers import prepare_pack
from tests.query_counts import count_queries
from tests.test_security import check_page_headers, error_summary, page

TRANSPORT = "Home-to-school transport"
REVIEWS = "Annual reviews"
ASSESSMENT = "EHC needs assessment"
TIMELINESS = "Timeliness of EHC assessments and plans"
COMMUNICATION = "Communication and keeping families informed"
RELIABILITY = "Home-to-school transport reliability"

# What families, children and staff wrote or are called: none of it may be published.
PERSONAL = [
    "Zebedee",
    "Quillfeather",
    "zebedee.quillfeather",
    "07700 900461",
    "Marigold",
    "Thistlewood",
    "Larkspur Heights",
    "purple umbrella",
    "Wobblecombe",
    "Fennimore",
    "Gallimaufry",
    "Brackenbury",
    "Snorkmaiden",
    "Xylophone",
    "Ottoline",
    "Periwinkle",
    "CAN-20",
]

_numbers = count(1)


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A UK wall-clock time, as the UTC timestamp the database holds."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(timezone.utc)


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


# --- making cases as the services would have left them ---------------------------------------


@dataclass(frozen=True)
class Stage:
    """What happened at one stage of a complaint."""

    acknowledged: datetime | None = None
    extended: tuple[datetime, int] | None = None  # when, by how many working days
    responded: datetime | None = None
    outcome: str | None = None
    themes: tuple[str, ...] = ()
    remedies: tuple[tuple[str, datetime | None], ...] = ()  # kind, when done


def _theme(name: str) -> LearningTheme:
    theme = db.session.scalar(sa.select(LearningTheme).where(LearningTheme.name == name))
    if theme is None:
        theme = LearningTheme(name=name)
        db.session.add(theme)
    return theme


def _stage(
    case: Case, number: int, received_day: date, stage: Stage, staff_id: int | None, previous_ack_due=None
) -> dict:
    """Add the clock history, outcome and remedies of one stage; returns its deadlines."""
    due = {"acknowledge": add_working_days(receipt_day(received_day), 5)}
    changes = [(number, "acknowledge", previous_ack_due, due["acknowledge"], None)]
    if stage.acknowledged:
        due["respond"] = add_working_days(receipt_day(london_day(stage.acknowledged)), 10 if number == 1 else 20)
        changes.append((number, "respond", None, due["respond"], stage.acknowledged))
    if stage.extended:
        when, days = stage.extended
        extended = add_working_days(due["respond"], days)
        changes.append((number, "respond", due["respond"], extended, when))
        due["respond"] = extended
    for stage_number, clock, old, new, when in changes:
        db.session.add(
            DeadlineChange(
                case_id=case.id,
                stage=stage_number,
                clock=clock,
                old_date=old,
                new_date=new,
                reason="Extension reason Brackenbury: the family's records were late",
                # A response deadline moved from an earlier one is an extension, as clocks.extend records it.
                extension_days=working_days_between(old, new) if clock == "respond" and old else None,
                changed_by_id=staff_id,
                changed_at=when or case.received_at,
            )
        )
    if stage.outcome:
        outcome = CaseOutcome(
            case_id=case.id,
            stage=number,
            outcome=stage.outcome,
            summary="Outcome summary Fennimore: we spoke to Marigold's teacher at Larkspur Heights.",
            recorded_by_id=staff_id,
            recorded_at=stage.responded,
        )
        outcome.themes = [_theme(name) for name in stage.themes]
        for kind, done in stage.remedies:
            outcome.remedies.append(Remedy(kind=kind, description="Remedy Gallimaufry for Zebedee", done_at=done))
        db.session.add(outcome)
    return due


def complaint(
    received: datetime,
    category: str | None = TRANSPORT,
    stage1: Stage = Stage(),
    *,
    escalated: datetime | None = None,
    stage2: Stage | None = None,
    closed: datetime | None = None,
    not_complaint: str | None = None,
    triage: str | None = None,
    staff=None,
) -> dict:
    """A complaint made straight in the database, with the clock history, outcomes and
    remedies the casework services record. Returns each stage's deadlines. Call inside an app
    context."""
    number = next(_numbers)
    staff_id = getattr(staff, "id", None)
    case = Case(
        reference=f"CAN-2025-{number + 70000}",
        submission_key=f"report-{number}",
        kind="complaint",
        status="received",
        stage=1,
        category_id=category_id(category, "SENAR North") if category else None,
        triage_route=triage,
        received_at=received,
        what_happened=f"The purple umbrella incident number {number}: Marigold was left at Larkspur Heights.",
        outcome_wanted="An apology from Wobblecombe.",
        child_name="Marigold Thistlewood",
        child_setting="Larkspur Heights Academy",
        contact_name=f"Zebedee Quillfeather {number}",
        contact_email=f"zebedee.quillfeather{number}@example.org",
        contact_phone="07700 900461",
        adjustments=[Adjustment(kind=Adjustment.OTHER, detail="Please use Xylophone-friendly large print")],
        caseworker_id=staff_id,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CaseMessage(case_id=case.id, body="Internal note Snorkmaiden about Zebedee", internal=True, author_id=staff_id)
    )
    dues = {1: _stage(case, 1, london_day(received), stage1, staff_id)}
    current, clocks_of = stage1, dues[1]
    if escalated:
        dues[2] = _stage(
            case, 2, london_day(escalated), stage2 or Stage(), staff_id, previous_ack_due=dues[1]["acknowledge"]
        )
        case.stage, case.escalated_at, case.stage1_caseworker_id = 2, escalated, staff_id
        current, clocks_of = stage2 or Stage(), dues[2]
    case.acknowledge_by = clocks_of["acknowledge"]
    case.acknowledged_at = current.acknowledged
    case.respond_by = clocks_of.get("respond")
    case.responded_at = current.responded
    case.extension_used = current.extended is not None
    case.status = "escalated" if escalated else "received"
    if current.acknowledged:
        case.status = "acknowledged"
    if current.responded:
        case.status = "responded"
    if not_complaint:
        case.not_complaint_reason = not_complaint
        case.stage = case.acknowledge_by = case.respond_by = None
        closed = closed or received
    if closed:
        case.status, case.closed_at = "closed", closed
    db.session.commit()
    return dues


def other_feedback(kind: str, received: datetime) -> None:
    number = next(_numbers)
    db.session.add(
        Case(
            reference=f"CAN-2025-{number + 80000}",
            submission_key=f"report-{number}",
            kind=kind,
            status="received",
            received_at=received,
            what_happened="Thank you, Zebedee Quillfeather says, for the purple umbrella.",
            contact_name="Zebedee Quillfeather",
            contact_email="zebedee.quillfeather@example.org",
        )
    )
    db.session.commit()


# --- the fixed data set ----------------------------------------------------------------------


def year_2025(staff=None) -> dict:
    """Complaints around the year 1 April 2025 to 31 March 2026, numbered as in YEAR_2025's
    comments. Summer time: 30 March to 26 October 2025, and from 29 March 2026."""
    made = {}
    # C1, transport: acknowledged on time, answered on time, upheld; an apology and a policy
    # change, both done.
    made["C1"] = complaint(
        london(2025, 6, 2),
        TRANSPORT,
        Stage(
            london(2025, 6, 4),
            None,
            london(2025, 6, 17),
            "upheld",
            (TIMELINESS, COMMUNICATION),
            (("apology", london(2025, 6, 20)), ("policy_changed", london(2025, 9, 1))),
        ),
        closed=london(2025, 6, 20),
        staff=staff,
    )
    # C2, transport: acknowledged a day late; extended by 5 working days and answered by the
    # extended deadline; a policy change promised, not done.
    made["C2"] = complaint(
        london(2025, 7, 7),
        TRANSPORT,
        Stage(
            london(2025, 7, 15),
            (london(2025, 7, 25), 5),
            london(2025, 8, 4),
            "partly_upheld",
            (RELIABILITY,),
            (("policy_changed", None),),
        ),
        staff=staff,
    )
    # C3, reviews: stage 1 acknowledged on time, answered late, not upheld, no theme; stage 2
    # asked for on 1 October, acknowledged on time, extended by 10 days and still answered
    # late; upheld, a record corrected.
    made["C3"] = complaint(
        london(2025, 9, 1),
        REVIEWS,
        Stage(london(2025, 9, 2), None, london(2025, 9, 23), "not_upheld"),
        escalated=london(2025, 10, 1),
        stage2=Stage(
            london(2025, 10, 3),
            (london(2025, 10, 28), 10),
            london(2025, 11, 20),
            "upheld",
            (COMMUNICATION,),
            (("record_corrected", london(2025, 11, 25)),),
        ),
        closed=london(2025, 11, 25),
        staff=staff,
    )
    # C4, assessment: received at 23:30 on 31 March 2025 (UK), so in the year before; but
    # acknowledged in this one, and answered at 00:30 UK time the day after its deadline
    # (23:30 UTC on the deadline day): late.
    made["C4"] = complaint(
        london(2025, 3, 31, 23, 30),
        ASSESSMENT,
        Stage(london(2025, 4, 2), None, london(2025, 4, 17, 0, 30), "not_upheld"),
        closed=london(2025, 4, 20),
        staff=staff,
    )
    # C5, assessment: received at 00:30 on 1 April 2025 (UK; still 31 March in UTC), so in
    # this year; acknowledged at 23:30 on its deadline day: on time. Answered on time, upheld;
    # a policy change done only after the year ended.
    made["C5"] = complaint(
        london(2025, 4, 1, 0, 30),
        ASSESSMENT,
        Stage(
            london(2025, 4, 8, 23, 30),
            None,
            london(2025, 4, 24),
            "upheld",
            (TIMELINESS,),
            (("policy_changed", london(2026, 4, 10)),),
        ),
        staff=staff,
    )
    # C6, transport: received at 23:30 on 31 March 2026 (UK), the year's last half hour; not
    # acknowledged yet, but due 9 April 2026, so not late at the year's end.
    made["C6"] = complaint(london(2026, 3, 31, 23, 30), TRANSPORT, staff=staff)
    # C7, reviews: received at 00:30 on 1 April 2026 (UK), in the next year. Never acknowledged.
    made["C7"] = complaint(london(2026, 4, 1, 0, 30), REVIEWS, staff=staff)
    # C8, reviews: received 2 March 2026, due to be acknowledged by 9 March; acknowledged only
    # on 14 April 2026, in the next year. Waiting past its deadline at the year's end.
    made["C8"] = complaint(london(2026, 3, 2), REVIEWS, Stage(london(2026, 4, 14)), staff=staff)
    # C9, assessment: acknowledged on time on 3 March 2026; response due 17 March, never sent.
    made["C9"] = complaint(london(2026, 3, 2), ASSESSMENT, Stage(london(2026, 3, 3)), staff=staff)
    # C10, transport: acknowledged on time; response due 31 March 2026, sent 1 April 2026 (the
    # next year, late). Waiting past its deadline at the year's end.
    made["C10"] = complaint(
        london(2026, 3, 16),
        TRANSPORT,
        Stage(london(2026, 3, 17), None, london(2026, 4, 1), "partly_upheld"),
        staff=staff,
    )
    # C11, transport: acknowledged, then found to be a request for a service.
    made["C11"] = complaint(
        london(2025, 5, 5), TRANSPORT, Stage(london(2025, 5, 6)), not_complaint="service_request", staff=staff
    )
    # C12, assessment: triage pointed to the SEND Tribunal; taken out as having its own route.
    made["C12"] = complaint(
        london(2025, 6, 10), ASSESSMENT, not_complaint="other_route", triage="tribunal", staff=staff
    )
    # C13, assessment: triage pointed to the NHS, the family complained anyway; on time, not upheld.
    made["C13"] = complaint(
        london(2025, 6, 11),
        ASSESSMENT,
        Stage(london(2025, 6, 12), None, london(2025, 6, 20), "not_upheld"),
        triage="health",
        staff=staff,
    )
    # C17, reviews: acknowledged on time, but the family asked for stage 2 before a stage 1
    # response; stage 2 acknowledged a day late, response due 20 January 2026, never sent.
    made["C17"] = complaint(
        london(2025, 12, 1),
        REVIEWS,
        Stage(london(2025, 12, 2)),
        escalated=london(2025, 12, 10),
        stage2=Stage(london(2025, 12, 18)),
        staff=staff,
    )
    other_feedback("compliment", london(2025, 5, 1))  # C14
    other_feedback("question", london(2026, 2, 2))  # C15
    other_feedback("suggestion", london(2026, 4, 1, 9))  # C16, next year
    return made


# Worked out by hand from year_2025() for April 2025 to March 2026.
YEAR_2025 = {
    # received in the year: C1 C2 C3 C5 C6 C8 C9 C10 C11 C12 C13 C17 (not C4, C7)
    "received": 12,
    "by_category": {REVIEWS: (3, 2), ASSESSMENT: (4, 0), TRANSPORT: (5, 0)},  # (received, stage 2)
    "stage2": 2,  # C3, C17
    "other": {"Compliments": 1, "Suggestions": 0, "Questions": 1},
    "not_taken_on": 2,  # C11 service request, C12 own route
    # stage 1 outcomes: C1 C5 upheld; C2 partly; C3 C4 C13 not upheld (C10's is next year)
    "stage1_outcomes": {"Upheld": (2, 33), "Partly upheld": (1, 17), "Not upheld": (3, 50)},
    "stage2_outcomes": {"Upheld": (1, 100), "Partly upheld": (0, 0), "Not upheld": (0, 0)},
    # acknowledged in the year: C1 C2(late) C3 C4 C5 C9 C10 C13 C17; C11 is out of the procedure
    "stage1_acknowledged": (9, 8, 89),
    # answered in the year: C1 C2 C3(late) C4(late) C5 C13
    "stage1_responded": (6, 4, 67),
    "stage1_waiting": (1, 2),  # for acknowledgement: C8; for a response: C9 C10
    "stage2_acknowledged": (2, 1, 50),  # C3 on time, C17 late
    "stage2_responded": (1, 0, 0),  # C3 late, after its extension
    "stage2_waiting": (0, 1),  # C17
    "extensions": {1: 1, 2: 1},  # C2, C3
    "themes": {COMMUNICATION: 2, TIMELINESS: 2, RELIABILITY: 1},
    "without_theme": 3,  # C3 stage 1, C4, C13
    "policy_changed": (3, 1),  # promised by C1 C2 C5; done by the year's end: C1's
}


# --- reading the page ------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table on a page, by caption: a list of rows of cell texts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = self._cell = self._rows = None
        self._title = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "caption":
            self._caption = " ".join(self._caption.split())
            self._title = self._caption
            self._caption = None
        elif tag == "table":
            self.tables[self._title] = [row for row in self._rows if row]
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._caption is not None:
            self._caption += data


def tables(response) -> dict[str, dict[str, list[str]]]:
    """Each table's body rows keyed by their first cell: {caption: {label: [other cells]}}."""
    found = _Tables(response.get_data(as_text=True)).tables
    return {caption: {row[0]: row[1:] for row in rows[1:]} for caption, rows in found.items()}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def figures(response) -> dict[tuple[str, str, str], str]:
    rows = csv_rows(response)
    assert rows[0] == ["Period", "Section", "Measure", "Breakdown", "Value"]
    return {(section, measure, breakdown): value for _, section, measure, breakdown, value in rows[1:]}


@pytest.fixture
def caseworker(app):
    with app.app_context():
        return make_user("caseworker", name="Ottoline Periwinkle", team="SENAR North")


@pytest.fixture
def data(app, caseworker):
    with app.app_context():
        return year_2025(get_user(caseworker))


# --- the year --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, start_year",
    [(date(2025, 4, 1), 2025), (date(2026, 3, 31), 2025), (date(2026, 4, 1), 2026), (date(2026, 1, 15), 2025)],
)
def test_the_year_runs_from_1_april_to_31_march(day, start_year):
    year = periods.year_of(day)
    assert year.start_year == start_year
    assert (year.starts_on, year.ends_on) == (date(start_year, 4, 1), date(start_year + 1, 3, 31))


def test_the_year_starts_and_ends_at_midnight_in_london():
    year = FinancialYear(2025)
    assert year.label == "April 2025 to March 2026"
    # Both 1 Aprils are in summer time: midnight in London is 23:00 UTC the day before.
    assert year.starts_at == datetime(2025, 3, 31, 23, tzinfo=timezone.utc)
    assert year.ends_at == datetime(2026, 3, 31, 23, tzinfo=timezone.utc)


def test_a_report_without_a_year_is_the_latest_year_that_has_started(client):
    latest = periods.current_year()
    shown = page(client.get("/reports/complaints"))
    assert f"Annual complaints performance report – {latest.label}" in shown.title
    assert "This year is not over yet" in shown.text
    assert periods.current_year(date(2026, 3, 31)).label == "April 2025 to March 2026"
    assert periods.current_year(date(2026, 4, 1)).label == "April 2026 to March 2027"


@pytest.mark.parametrize(
    "value", ["abc", "2025abc", "20", "1999", "0000", "99999", "２０２５", "2025.0", "-2025", "<script>", "%00"]
)
def test_a_year_that_is_not_a_year_gets_the_latest_year_and_says_so(client, value):
    latest = periods.current_year()
    response = client.get("/reports/complaints", query_string={"year": value})
    assert response.status_code == 200
    shown = page(response)
    assert f"Annual complaints performance report – {latest.label}" in shown.title
    assert f"This is the report for {latest.label}" in shown.text
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]
    download = client.get("/reports/complaints.csv", query_string={"year": value})
    assert download.status_code == 200
    assert f"complaints-report-{latest.short_label}.csv" in download.headers["Content-Disposition"]


def test_a_year_that_has_not_started_gets_the_latest_year_and_says_so(client):
    latest = periods.current_year()
    shown = page(client.get(f"/reports/complaints?year={latest.start_year + 1}"))
    assert f"The year {latest.next().label} has not started yet" in shown.text
    assert f"Annual complaints performance report – {latest.label}" in shown.title


def test_the_year_chooser_is_a_plain_form_listing_every_year_with_feedback(client, data):
    response = client.get("/reports/complaints?year=2025")
    html = response.get_data(as_text=True)
    form = re.search(r'<form method="get" action="/reports/complaints".*?</form>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"( selected)?', form)
    latest = periods.current_year().start_year
    # The earliest case (C4) was received in the year that started in April 2024.
    assert [int(value) for value, _ in options] == list(range(latest, 2023, -1))
    assert [value for value, selected in options if selected] == ["2025"]
    assert 'type="submit"' in form or "<button" in form


# --- the figures -----------------------------------------------------------------------------


def test_figures_for_the_year_match_the_hand_counted_data(app, data):
    with app.app_context():
        report = complaints_report(FinancialYear(2025))
    expected = YEAR_2025
    assert report.complete
    assert report.as_of_day == date(2026, 3, 31)
    assert report.complaints_received == expected["received"]
    assert {c.name: (c.received, c.stage2) for c in report.categories} == expected["by_category"]
    assert [c.name for c in report.categories] == [REVIEWS, ASSESSMENT, TRANSPORT]
    assert report.stage2_requested == expected["stage2"]
    assert {f.label: f.value for f in report.other_feedback} == expected["other"]
    assert report.not_taken_on_total == expected["not_taken_on"]
    assert [f.value for f in report.not_taken_on] == [1, 1, 0]  # service request, own route, out of time
    assert {f.label: f.value for f in report.signposted} == {
        "An appeal to the SEND Tribunal (mediation advice first)": 1,
        "The NHS complaints procedure": 1,
        "The school's or college's own complaints procedure": 0,
    }
    assert {f.label: (f.value, f.share) for f in report.outcomes[1]} == expected["stage1_outcomes"]
    assert {f.label: (f.value, f.share) for f in report.outcomes[2]} == expected["stage2_outcomes"]

    stage1, stage2 = report.timescales[1], report.timescales[2]
    assert (stage1.acknowledged, stage1.acknowledged_on_time, stage1.acknowledged_on_time_percent) == expected[
        "stage1_acknowledged"
    ]
    assert stage1.acknowledged_late == 1
    assert (stage1.responded, stage1.responded_on_time, stage1.responded_on_time_percent) == expected[
        "stage1_responded"
    ]
    assert stage1.responded_late == 2
    assert (stage1.waiting_acknowledgement_overdue, stage1.waiting_response_overdue) == expected["stage1_waiting"]
    assert (stage1.responded_after_extension, stage1.responded_after_extension_on_time) == (1, 1)
    assert (stage2.acknowledged, stage2.acknowledged_on_time, stage2.acknowledged_on_time_percent) == expected[
        "stage2_acknowledged"
    ]
    assert (stage2.responded, stage2.responded_on_time, stage2.responded_on_time_percent) == expected[
        "stage2_responded"
    ]
    assert (stage2.waiting_acknowledgement_overdue, stage2.waiting_response_overdue) == expected["stage2_waiting"]
    assert (stage2.responded_after_extension, stage2.responded_after_extension_on_time) == (1, 0)
    assert stage1.acknowledged_no_deadline == stage1.responded_no_deadline == 0
    assert report.extensions == expected["extensions"]
    assert report.stage2_final_responses == 1

    assert {f.label: f.value for f in report.themes} == expected["themes"]
    assert report.outcomes_without_theme == expected["without_theme"]
    remedies = {r.kind: (r.promised, r.done) for r in report.remedies}
    assert remedies["policy_changed"] == expected["policy_changed"]
    assert remedies["apology"] == (1, 1)
    assert remedies["record_corrected"] == (1, 1)
    assert remedies["financial"] == (0, 0)


def test_the_data_set_has_the_deadlines_the_counts_rely_on(data):
    """Guards the hand counts: the deadlines the boundary cases were chosen around."""
    assert data["C4"][1] == {"acknowledge": date(2025, 4, 7), "respond": date(2025, 4, 16)}
    assert data["C5"][1]["acknowledge"] == date(2025, 4, 8)
    assert data["C6"][1]["acknowledge"] == date(2026, 4, 9)  # after the year's end: not late
    assert data["C8"][1]["acknowledge"] == date(2026, 3, 9)
    assert data["C9"][1]["respond"] == date(2026, 3, 17)
    assert data["C10"][1]["respond"] == date(2026, 3, 31)
    assert data["C2"][1]["respond"] == date(2025, 8, 5)  # extended from 29 July
    assert data["C3"][1]["respond"] == date(2025, 9, 16)
    assert data["C3"][2] == {"acknowledge": date(2025, 10, 8), "respond": date(2025, 11, 14)}
    assert data["C17"][2] == {"acknowledge": date(2025, 12, 17), "respond": date(2026, 1, 20)}


def test_the_next_year_counts_what_spilled_over_into_it(app, data):
    """April 2026 onwards: C7 received; C8 acknowledged late; C10 answered late; C6 and C7
    now waiting past their acknowledgement deadlines, C8 and C9 past their response ones."""
    with app.app_context():
        report = complaints_report(FinancialYear(2026), now=london(2026, 11, 2))
    assert not report.complete
    assert report.complaints_received == 1
    assert {c.name: (c.received, c.stage2) for c in report.categories} == {REVIEWS: (1, 0)}
    assert {f.label: f.value for f in report.other_feedback}["Suggestions"] == 1
    stage1, stage2 = report.timescales[1], report.timescales[2]
    assert (stage1.acknowledged, stage1.acknowledged_on_time) == (1, 0)
    assert (stage1.responded, stage1.responded_on_time, stage1.responded_on_time_percent) == (1, 0, 0)
    assert (stage1.waiting_acknowledgement_overdue, stage1.waiting_response_overdue) == (2, 2)
    assert (stage2.waiting_acknowledgement_overdue, stage2.waiting_response_overdue) == (0, 1)
    assert {f.label: f.value for f in report.outcomes[1]} == {"Upheld": 0, "Partly upheld": 1, "Not upheld": 0}
    # C5's policy change was promised last year: it is counted there, not here.
    assert {r.kind: (r.promised, r.done) for r in report.remedies}["policy_changed"] == (0, 0)


@pytest.mark.parametrize(
    "now, waiting",
    [
        (london(2025, 9, 16, 17), 0),  # C3's response is due today: not late yet
        (london(2025, 9, 17, 9), 1),  # the day after, with no response: waiting past the deadline
        (london(2025, 9, 24, 9), 0),  # answered (late) on 23 September
    ],
)
def test_an_open_complaint_is_not_late_until_its_deadline_has_passed(app, data, now, waiting):
    with app.app_context():
        report = complaints_report(FinancialYear(2025), now=now)
    stage1 = report.timescales[1]
    assert stage1.waiting_response_overdue == waiting
    # What had not happened by then is not counted yet: C3's stage 1 response was late.
    assert stage1.responded_late == (1 if now > london(2025, 9, 23, 10) else 0) + 1  # C4's, in April
    assert report.stage2_requested == 0


def test_figures_come_from_the_real_casework_actions_too(app):
    """A complaint taken through the services (acknowledged, extended, answered, escalated and
    acknowledged at stage 2) is counted the same way, stage 1 being read from the history."""
    today = london_today()
    with app.app_context():
        first = make_user("caseworker", team="SENAR North")
        second = make_user("caseworker", team="SENAR North")
        theme = _theme(COMMUNICATION)
        db.session.commit()
        theme_id = theme.id
        reference = new_case(category=category_id(TRANSPORT, "SENAR North"), caseworker=first)
        clocks.start_stage(get_case(reference), today)
        db.session.commit()
    with app.test_request_context():
        services.acknowledge(get_case(reference), get_user(first))
        db.session.commit()
        services.extend(get_case(reference), get_user(first), 3, "Waiting for the transport team")
        db.session.commit()
        services.record_outcome(
            get_case(reference),
            get_user(first),
            outcome="partly_upheld",
            summary="We have looked into it.",
            remedies=[("policy_changed", "New checks on escorts", None)],
            theme_ids=[theme_id],
        )
        db.session.commit()
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()
        case = get_case(reference)
        case.caseworker_id = second.id
        services.acknowledge(case, get_user(second))
        db.session.commit()
        report = complaints_report(periods.current_year())
    stage1, stage2 = report.timescales[1], report.timescales[2]
    assert (report.complaints_received, report.stage2_requested) == (1, 1)
    assert (stage1.acknowledged, stage1.acknowledged_on_time) == (1, 1)
    assert (stage1.responded, stage1.responded_on_time, stage1.responded_after_extension) == (1, 1, 1)
    assert (stage2.acknowledged, stage2.acknowledged_on_time, stage2.responded) == (1, 1, 0)
    assert report.extensions == {1: 1, 2: 0}
    assert {f.label: f.value for f in report.outcomes[1]}["Partly upheld"] == 1
    assert {f.label: f.value for f in report.themes} == {COMMUNICATION: 1}
    assert report.policies_changed.promised == 1
    assert stage1.waiting_overdue == stage2.waiting_overdue == 0


# --- the page --------------------------------------------------------------------------------


def test_the_page_shows_the_hand_counted_figures_in_tables(client, data):
    response = client.get("/reports/complaints?year=2025")
    assert response.status_code == 200
    shown = page(response)
    assert shown.title.startswith("Annual complaints performance report – April 2025 to March 2026")
    assert "These figures cover the whole year, to 31 March 2026" in shown.text
    found = tables(response)
    assert found["Complaints received, by category"] == {REVIEWS: ["3"], ASSESSMENT: ["4"], TRANSPORT: ["5"]}
    assert found["Stage 2 reviews asked for, by category"] == {REVIEWS: ["2"]}
    assert found["Other feedback received"] == {"Compliments": ["1"], "Suggestions": ["0"], "Questions": ["1"]}
    reasons = found["Complaints taken out of the procedure, by the reason recorded"]
    assert reasons["Total"] == ["2"]
    assert reasons["A request for a service, which we will deal with as a request"] == ["1"]
    assert found["Stage 1 outcomes (6 responses)"] == {
        "Upheld": ["2 (33%)"],
        "Partly upheld": ["1 (17%)"],
        "Not upheld": ["3 (50%)"],
    }
    assert found["Stage 2 outcomes (1 response)"]["Upheld"] == ["1 (100%)"]
    stage1 = found["Stage 1 timescales"]
    assert stage1["Acknowledgements sent"] == ["9"]
    assert stage1["Acknowledged within 5 working days"] == ["8 of 9 (89%)"]
    assert stage1["Acknowledged late"] == ["1"]
    assert stage1["Responded to by the deadline that applied"] == ["4 of 6 (67%)"]
    assert stage1["Responded to late"] == ["2"]
    assert stage1["Waiting past the deadline for an acknowledgement on 31 March 2026"] == ["1"]
    assert stage1["Waiting past the deadline for a response on 31 March 2026"] == ["2"]
    stage2 = found["Stage 2 timescales"]
    assert stage2["Acknowledged within 5 working days"] == ["1 of 2 (50%)"]
    assert stage2["Responded to by the deadline that applied"] == ["0 of 1 (0%)"]
    assert stage2["Waiting past the deadline for a response on 31 March 2026"] == ["1"]
    assert found["Share sent on time"] == {
        "Stage 1 acknowledged within 5 working days": ["89%"],
        "Stage 1 responded to by the deadline": ["67%"],
        "Stage 2 acknowledged within 5 working days": ["50%"],
        "Stage 2 responded to by the deadline": ["0%"],
    }
    assert found["Response deadlines extended"] == {"Stage 1": ["1", "0", "1", "1"], "Stage 2": ["1", "0", "1", "0"]}
    assert found["Responses by learning theme"] == {COMMUNICATION: ["2"], TIMELINESS: ["2"], RELIABILITY: ["1"]}
    assert found["What was promised to put things right"]["A policy or practice changed"] == ["3", "1"]
    assert "3 changes to a policy or practice were promised; 1 was made by 31 March 2026" in shown.text
    assert "3 responses have no learning theme recorded" in shown.text
    assert "1 stage 2 final response was sent in the year" in shown.text
    assert "The council heard that 0 complaints had gone to the Ombudsman in the year" in shown.text
    assert "is not counted as late until its deadline has passed" in shown.text
    check_page_headers(response)


def test_ombudsman_referrals_count_in_the_year_the_council_heard_of_them(app, client, data):
    with app.app_context():
        cases = db.session.scalars(sa.select(Case).where(Case.kind == "complaint").order_by(Case.id)).all()
        db.session.add_all(
            [
                OmbudsmanReferral(case=cases[0], notified_on=date(2025, 4, 1), decision="fault_found"),
                OmbudsmanReferral(case=cases[1], notified_on=date(2026, 3, 31), decision="pending"),
                OmbudsmanReferral(case=cases[2], notified_on=date(2026, 4, 1), decision="no_fault"),  # the next year
            ]
        )
        db.session.commit()
        report = complaints_report(FinancialYear(2025))
        assert report.ombudsman_referrals == 2
        assert {figure.label: figure.value for figure in report.ombudsman} == {
            "Not decided yet": 1,
            "The Ombudsman decided not to investigate": 0,
            "The Ombudsman found no fault": 0,
            "The Ombudsman found fault": 1,
        }
    shown = page(client.get("/reports/complaints?year=2025"))
    assert "The council heard that 2 complaints had gone to the Ombudsman in the year" in shown.text
    assert tables(client.get("/reports/complaints?year=2025"))[
        "Complaints that went to the Ombudsman, by the Ombudsman's decision"
    ]["The Ombudsman found fault"] == ["1"]
    got = figures(client.get("/reports/complaints.csv?year=2025"))
    assert got[("Ombudsman", "Complaints the council heard had gone to the Ombudsman", "")] == "2"
    assert got[("Ombudsman", "Complaints the council heard had gone to the Ombudsman", "Not decided yet")] == "1"


def test_charts_are_drawn_with_attributes_and_match_their_tables(client, data):
    html = client.get("/reports/complaints?year=2025").get_data(as_text=True)
    figure = re.search(r'<figure[^>]*id="received-by-category".*?</figure>', html, re.S).group(0)
    chart, table = figure.split('<div class="twc-scroll-region"', 1)
    assert 'role="img"' in chart and 'aria-labelledby="received-by-category-title"' in chart
    assert re.search(r'<span id="received-by-category-title" hidden>Bar chart: Complaints received, by category', chart)
    assert "style" not in chart
    # Each bar is an SVG as wide as its share of the chart; the words are text beside it.
    bars = [float(width) for width in re.findall(r'<svg [^>]*width="([\d.]+)%"', chart)]
    assert len(bars) == 3
    # Reviews 3, assessment 4, transport 5: bar lengths in proportion, the longest full width.
    assert bars[2] == max(bars) == 100
    assert bars[0] / bars[2] == pytest.approx(3 / 5) and bars[1] / bars[2] == pytest.approx(4 / 5)
    labels = re.findall(r'class="twc-bar-chart__value">([^<]+)<', chart)
    assert labels == ["3", "4", "5"]
    assert "<table" in table
    # Percentages are drawn against 100%.
    on_time = re.search(r'<figure[^>]*id="on-time".*?</figure>', html, re.S).group(0)
    widths = [float(width) for width in re.findall(r'<svg [^>]*width="([\d.]+)%"', on_time)]
    assert widths[0] == pytest.approx(89) and widths[3] == 0


def test_a_year_with_no_complaints_says_so_instead_of_drawing_empty_charts(client, data):
    response = client.get("/reports/complaints?year=2020")
    assert response.status_code == 200
    shown = page(response)
    assert "No complaints were received in this period" in shown.text
    assert "No stage 1 responses were sent in this period" in shown.text
    assert "<svg" not in response.get_data(as_text=True)


def test_the_page_needs_no_sign_in_and_links_to_the_csv_for_the_same_year(client, data):
    response = client.get("/reports/complaints?year=2025")
    assert response.status_code == 200
    assert 'href="/reports/complaints.csv?year=2025"' in response.get_data(as_text=True)
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- the CSV ---------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_figure_with_the_same_numbers(client, data):
    response = client.get("/reports/complaints.csv?year=2025")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment; filename=complaints-report-2025-26.csv" in response.headers["Content-Disposition"]
    check_page_headers(response)
    rows = csv_rows(response)
    assert {row[0] for row in rows[1:]} == {"April 2025 to March 2026"}
    got = figures(response)
    assert got[("Volumes", "Complaints received", "All categories")] == "12"
    assert got[("Volumes", "Complaints received", TRANSPORT)] == "5"
    assert got[("Volumes", "Stage 2 reviews asked for", REVIEWS)] == "2"
    assert got[("Not taken on", "Complaints taken out of the procedure", "All reasons")] == "2"
    assert got[("Outcomes", "Stage 1 responses with a finding", "Not upheld")] == "3"
    assert got[("Outcomes", "Stage 1 responses with a finding (%)", "Not upheld")] == "50"
    assert got[("Timescales", "Stage 1 acknowledgements", "Within 5 working days")] == "8"
    assert got[("Timescales", "Stage 1 acknowledgements within 5 working days (%)", "")] == "89"
    assert got[("Timescales", "Stage 1 responses by the deadline that applied (%)", "")] == "67"
    assert got[("Timescales", "Stage 2 responses by the deadline that applied (%)", "")] == "0"
    assert (
        got[("Timescales", "Stage 1 complaints waiting past the deadline at the end of the period", "For a response")]
        == "2"
    )
    assert got[("Extensions", "Stage 2 extensions agreed", "")] == "1"
    assert got[("Ombudsman", "Stage 2 final responses sent, each with the Ombudsman's details", "")] == "1"
    assert got[("Ombudsman", "Complaints the council heard had gone to the Ombudsman", "")] == "0"
    assert got[("Learning", "Responses by learning theme", COMMUNICATION)] == "2"
    assert got[("Learning", "Remedies promised", "A policy or practice changed")] == "3"
    assert got[("Learning", "Remedies done by the end of the period", "A policy or practice changed")] == "1"


def test_a_percentage_with_nothing_to_divide_is_left_blank_not_zero(client):
    got = figures(client.get("/reports/complaints.csv?year=2020"))
    assert got[("Timescales", "Stage 1 responses by the deadline that applied (%)", "")] == ""
    assert got[("Timescales", "Stage 1 responses", "Sent")] == "0"


# --- nothing personal ------------------------------------------------------------------------


def test_nothing_personal_reaches_the_page_or_the_csv(client, data):
    for path in ("/reports/complaints?year=2025", "/reports/complaints.csv?year=2025", "/reports/complaints?year=2024"):
        body = client.get(path).get_data(as_text=True)
        for secret in PERSONAL:
            assert secret.lower() not in body.lower(), f"{secret!r} on {path}"


# --- speed -----------------------------------------------------------------------------------


def _many(how_many: int, staff) -> None:
    """Complaints of every shape, spread over April to November 2025."""
    categories = [TRANSPORT, REVIEWS, ASSESSMENT, "Short breaks and social care"]
    themes = [(TIMELINESS,), (COMMUNICATION, RELIABILITY), ()]
    for n in range(how_many):
        received = london(2025, 4, 7, 9 + n % 8) + timedelta(days=4 * n)
        acknowledged = received + timedelta(days=1 + n % 9)
        responded = acknowledged + timedelta(days=10 + n % 12)
        escalated = responded + timedelta(days=5) if n % 4 == 0 else None
        complaint(
            received,
            categories[n % 4],
            Stage(
                acknowledged,
                (acknowledged + timedelta(days=2), 2) if n % 3 == 0 else None,
                responded,
                ("upheld", "not_upheld", "partly_upheld")[n % 3],
                themes[n % 3],
                (("policy_changed", responded),) if n % 2 else (),
            ),
            escalated=escalated,
            stage2=Stage(escalated + timedelta(days=n % 8)) if escalated else None,
            not_complaint="service_request" if n % 7 == 6 else None,
            staff=staff,
        )


def test_the_report_issues_the_same_number_of_queries_however_many_complaints(app, client, caseworker):
    paths = ["/reports/complaints?year=2025", "/reports/complaints.csv?year=2025"]
    with app.app_context():
        _many(5, get_user(caseworker))
    few = {path: count_queries(app, client, path) for path in paths}
    with app.app_context():
        _many(55, get_user(caseworker))
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 60
        assert complaints_report(FinancialYear(2025)).complaints_received == 60
    many = {path: count_queries(app, client, path) for path in paths}
    assert many == few
    # A fixed number, whatever the number of complaints: ten to count them, one for the year
    # chooser, one to see whether the year is published, one to look for the figures kept from
    # the last reading, one to keep these, one to count families' answers to the survey and one
    # to count the equality monitoring answers.
    assert max(few.values()) <= 16, few


# --- publishing the year ---------------------------------------------------------------------


def publish_year(client, auth, manager, year: int = 2025, note: str = ""):
    """Publish the year through the managers' page, its governance pack prepared first."""
    with client.application.app_context():
        if governance.missing(governance.pack_for(FinancialYear(year))):
            prepare_pack(get_user(manager), FinancialYear(year))
    auth.sign_in(manager)
    response = client.post("/manage/reports/complaints", data={"year": str(year), "note": note, "publish": "Publish"})
    auth.sign_out()
    return response


def report_pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((sheet.extract_text() or "").split()) for sheet in reader.pages)


@pytest.fixture
def manager(users):
    return users.make(roles.MANAGER)


def test_an_ended_year_is_provisional_until_a_manager_publishes_it(app, client, auth, manager, data):
    provisional = page(client.get("/reports/complaints?year=2025")).text
    assert "These figures are provisional" in provisional
    assert client.get("/reports/complaints/2025.pdf").status_code == 404
    # The year in progress cannot be published: it is not offered, and is refused if sent.
    auth.sign_in(manager)
    offered = client.get("/manage/reports/complaints").get_data(as_text=True)
    assert 'value="2025"' in offered and f'value="{periods.current_year().start_year}"' not in offered
    auth.sign_out()
    refused = publish_year(client, auth, manager, periods.current_year().start_year)
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)

    assert publish_year(client, auth, manager).status_code == 302
    response = client.get("/reports/complaints?year=2025")
    shown = page(response)
    assert "provisional" not in shown.text
    assert f"Published on {london_today():%-d %B %Y}." in shown.text
    assert "Version 1 (this page)" in shown.text.split("History", 1)[1]
    assert tables(response)["Stage 1 timescales"]["Acknowledged within 5 working days"] == ["8 of 9 (89%)"]
    assert 'href="/reports/complaints/2025.pdf"' in response.get_data(as_text=True)
    check_page_headers(response)
    download = client.get("/reports/complaints/2025.pdf")
    assert download.headers["Content-Disposition"] == "attachment; filename=complaints-report-2025-26.pdf"
    reader = PdfReader(io.BytesIO(download.get_data()))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("Annual complaints performance report: April 2025 to March 2026")
    text = report_pdf_text(download)
    for expected in (
        "Acknowledged within 5 working days 8 of 9 (89%)",
        "Responded to by the deadline that applied 4 of 6 (67%)",
    ):
        assert expected in text, expected
    # Other years are still provisional.
    assert "These figures are provisional" in page(client.get("/reports/complaints?year=2024")).text


def test_a_published_year_keeps_its_figures_when_the_cases_change(app, client, auth, manager, caseworker, data):
    publish_year(client, auth, manager)
    before_page = tables(client.get("/reports/complaints?year=2025"))
    before_csv = figures(client.get("/reports/complaints.csv?year=2025"))
    before_pdf = client.get("/reports/complaints/2025.pdf").get_data()
    with app.app_context():
        _many(12, get_user(caseworker))
        assert complaints_report(FinancialYear(2025)).complaints_received != YEAR_2025["received"]
    assert tables(client.get("/reports/complaints?year=2025")) == before_page
    assert figures(client.get("/reports/complaints.csv?year=2025")) == before_csv
    assert before_csv[("Volumes", "Complaints received", "All categories")] == "12"
    assert client.get("/reports/complaints/2025.pdf").get_data() == before_pdf

    # A correction needs a note, then counts again as a new version; version 1 stays as it was.
    refused = publish_year(client, auth, manager)
    assert "Enter what this correction changes" in error_summary(refused)
    assert publish_year(client, auth, manager, note="Added complaints logged late.").status_code == 302
    latest = client.get("/reports/complaints?year=2025")
    assert tables(latest)["Complaints received, by category"] != before_page["Complaints received, by category"]
    history = page(latest).text.split("History", 1)[1]
    assert "Version 2 (this page)" in history and "Added complaints logged late." in history
    assert "Version 1 – " in history and "First published." in history
    assert tables(client.get("/reports/complaints/2025/versions/1")) == before_page
    assert client.get("/reports/complaints/2025/versions/1.pdf").get_data() == before_pdf
    assert "immutable" in client.get("/reports/complaints/2025/versions/1.pdf").headers["Cache-Control"]
    assert client.get("/reports/complaints/2025/versions/3").status_code == 404
    assert figures(client.get("/reports/complaints.csv?year=2025")) != before_csv


def test_a_published_year_is_read_without_counting_or_drawing(app, client, auth, manager, data, monkeypatch):
    publish_year(client, auth, manager)

    def refuse(*args, **kwargs):
        raise AssertionError("a published report was counted or drawn again")

    monkeypatch.setattr("portal.reports.complaints_views.complaints_report", refuse)
    monkeypatch.setattr("portal.reports.printing.html_to_pdf", refuse)
    paths = [
        "/reports/complaints?year=2025",
        "/reports/complaints.csv?year=2025",
        "/reports/complaints/2025.pdf",
        "/reports/complaints/2025/versions/1",
        "/reports/complaints/2025/versions/1.pdf",
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert count_queries(app, client, "/reports/complaints/2025.pdf") == 1
    assert count_queries(app, client, "/reports/complaints?year=2025") <= 2  # the version, the year chooser


def test_nothing_personal_reaches_the_published_report_or_its_pdf(client, auth, manager, data):
    publish_year(client, auth, manager)
    bodies = {
        "page": client.get("/reports/complaints?year=2025").get_data(as_text=True),
        "pdf": report_pdf_text(client.get("/reports/complaints/2025.pdf")),
        "csv": client.get("/reports/complaints.csv?year=2025").get_data(as_text=True),
    }
    assert "8 of 9 (89%)" in bodies["pdf"]  # the text really was read
    for name, body in bodies.items():
        for secret in PERSONAL:
            assert secret.lower() not in body.lower(), f"{secret!r} in the {name}"


@pytest.mark.parametrize(
    "path",
    [
        "/reports/complaints/1999.pdf",
        "/reports/complaints/3000/versions/1",
        "/reports/complaints/2025/versions/1",
        "/reports/complaints/2025/versions/0.pdf",
        "/reports/complaints/2025/versions/99999999999999999999.pdf",
        "/reports/complaints/99999999999999999999.pdf",
    ],
)
def test_a_report_version_that_does_not_exist_is_not_found(client, path):
    assert client.get(path).status_code == 404
