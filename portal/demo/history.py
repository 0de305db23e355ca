"""The demo's past feedback: three terms of complaints, compliments, suggestions and questions,
each taken as far through the casework as it would have got by now.

Everything is invented (portal.demo.history_words) and deterministic: each case is planned by
its own random.Random, seeded from a fixed number and the case's position, so the same cases come
out every time (only their dates move with today).

A case arrives in the waking hours, and then goes through the steps a caseworker would take
(acknowledge, extend, respond, close, mark as not a complaint) and the family's request for a
stage 2 review, each on a working day at a plausible time. Steps that would fall after now are
left out, so recent cases are still open and some are waiting past their deadline. The plans
are played through the real actions by portal.demo.playback; scripts/bulk_history.py writes the
same plans in bulk for the benchmark.
"""

import random
from datetime import date, datetime, timedelta

from portal.casework.models import CaseOutcome
from portal.core.calendar import add_working_days, is_working_day, receipt_day
from portal.core.complaint_code import RESPOND_DAYS, STAGE_1, STAGE_2
from portal.core.terms import recent_terms
from portal.demo import history_words as words
from portal.demo.plans import (
    ACKNOWLEDGE,
    CLOSE,
    ESCALATE,
    EXTEND,
    NOT_A_COMPLAINT,
    REMEDY_DONE,
    RESPOND,
    PlannedCase,
    Step,
    london_day,
    london_moment,
)
from portal.feedback.models import COMPLAINT, COMPLIMENT, QUESTION, SUGGESTION

SEED = 20260901
DEMO_PREFIX = "demo-history-"
DEMO_COUNT = 100

# The first cases of each term, so that every term has each kind and the things the reports
# count; then the usual mix. A kind, and a scenario forced on a complaint (None: left to chance).
TERM_PATTERN = [
    (COMPLAINT, None),
    (COMPLIMENT, None),
    (SUGGESTION, None),
    (COMPLAINT, "extend"),
    (COMPLAINT, "escalate"),
    (QUESTION, None),
    (COMPLAINT, "not_a_complaint"),
    (COMPLAINT, None),
    (SUGGESTION, None),
    (COMPLAINT, None),
    (COMPLIMENT, None),
    (COMPLAINT, "extend"),
    (COMPLAINT, None),
    (COMPLAINT, None),
    (COMPLIMENT, None),
    (COMPLAINT, "escalate"),
    (SUGGESTION, None),
    (COMPLAINT, None),
    (QUESTION, None),
    (COMPLAINT, None),
]
# The newest cases in the demo: still open, one of them waiting past its acknowledgement deadline.
RECENT_PATTERN = [
    (COMPLAINT, "late_acknowledgement"),
    (COMPLAINT, None),
    (SUGGESTION, None),
    (COMPLAINT, None),
    (QUESTION, None),
]
KIND_WEIGHTS = {COMPLAINT: 60, SUGGESTION: 15, COMPLIMENT: 15, QUESTION: 10}
OTHER_TEXTS = {COMPLIMENT: words.COMPLIMENTS, SUGGESTION: words.SUGGESTIONS, QUESTION: words.QUESTIONS}
# Triage at intake: what a family complaining about these decisions is pointed to.
TRIBUNAL_TRIAGE = {"EHC needs assessment": "assessment", "EHC plan content and quality": "plan"}
THERAPIES = "Speech and language and other therapies"


def case_rng(number: int, seed: int = SEED) -> random.Random:
    return random.Random(seed * 1_000_003 + number)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _working_time(rng: random.Random, day: date, after: datetime) -> datetime:
    """A time in office hours on ``day``, or a little after ``after`` if that is later."""
    minutes, delay = rng.randint(8 * 60 + 30, 17 * 60 + 30), rng.randint(20, 240)
    moment = london_moment(day, minutes)
    return moment if moment > after else after + timedelta(minutes=delay)


def working_days_before(day: date, days: int) -> date:
    while days:
        day -= timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


# --- what the family sends ---------------------------------------------------------------------


def _child(rng: random.Random, category: str) -> dict:
    named = rng.random() < 0.8
    name, setting = rng.choice(words.CHILD_NAMES), rng.choice(words.SETTINGS)
    year = rng.choice(words.YEAR_GROUPS)
    ehc = rng.choice(["yes", "yes", "yes", "assessing", "no"])
    if category == "Preparing for adulthood":
        year = rng.choice(["Year 10", "Year 11", "College or training (16 to 25)"])
    if not named:
        return {"child_seen": True}
    return dict(child_seen=True, child_name=name, child_year_group=year, child_setting=setting, child_has_ehc_plan=ehc)


def _contact(rng: random.Random) -> dict:
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
    number = rng.randint(1, 99)
    interpreter = rng.choice(words.INTERPRETER_LANGUAGES) if rng.random() < 0.06 else None
    easy_read = rng.random() < 0.05
    relationship = rng.choice(words.RELATIONSHIPS)
    phone = rng.random() < 0.4
    answers = dict(
        reply="yes",
        contact_name=f"{first} {last}",
        contact_email=f"{first}.{last}{number}@example.org".lower(),
        relationship=relationship,
        preferred_contact="phone" if phone else "email",
        adjustments_seen=True,
        adjustments=(["easy_read"] if easy_read else []) + (["interpreter"] if interpreter else []),
    )
    if phone:
        answers["contact_phone"] = f"07700 900{number:03d}"
    if interpreter:
        answers["interpreter_language"] = interpreter
    return answers


def _what(rng: random.Random, kind: str, category: str) -> dict:
    if kind == COMPLAINT:
        what, wanted = rng.choice(words.COMPLAINTS[category])
        return dict(what_happened=what, outcome_wanted=wanted, triage="none")
    texts = OTHER_TEXTS[kind]
    options = texts.get(category) or [text for group in texts.values() for text in group]
    return dict(what_happened=rng.choice(options))


def _family(rng: random.Random, kind: str, category: str) -> tuple[dict, bool]:
    """The family's answers to the feedback journey, and whether they want to hear of changes."""
    anonymous = rng.random() < {COMPLAINT: 0.0, COMPLIMENT: 0.25, SUGGESTION: 0.3, QUESTION: 0.0}[kind]
    answers = dict(kind=kind, worried="no", evidence_seen=True, **_child(rng, category))
    contact = _contact(rng)
    wants_updates = rng.random() < 0.3
    answers.update(_what(rng, kind, category))
    answers.update({"reply": "no"} if anonymous else contact)
    return answers, wants_updates and not anonymous


def _triage(case: PlannedCase, draw: float, signposted: bool) -> None:
    """Triage at intake: a family pointed to the tribunal or the NHS may still complain."""
    triage = TRIBUNAL_TRIAGE.get(case.category)
    if triage and (draw < 0.2 or signposted):
        letter = london_day(case.received_at) - timedelta(days=5 + int(draw * 100) % 40)
        case.answers.update(triage=triage, route_seen=True, decision_letter_date=letter.isoformat())
    elif case.category == THERAPIES and draw < 0.3:
        case.answers.update(triage="health", route_seen=True)


# --- what the council does ---------------------------------------------------------------------


def _remedies(rng: random.Random, finding: str, category: str, responded: date) -> list[tuple[str, str, date | None]]:
    draws = [rng.random() for _ in range(4)]
    extra = rng.choice(["service_provided", "record_corrected", "decision_reconsidered", "financial"])
    due = responded + timedelta(days=rng.randint(10, 40))
    policy = words.POLICY_CHANGES.get(category, words.DEFAULT_POLICY_CHANGE)
    chosen: list[tuple[str, str, date | None]] = []
    if finding == CaseOutcome.UPHELD:
        chosen.append(("apology", words.REMEDIES["apology"], None))
        if draws[0] < 0.7:
            chosen.append((extra, words.REMEDIES[extra], due))
        if draws[1] < 0.3:
            chosen.append(("policy_changed", policy, due))
    elif finding == CaseOutcome.PARTLY_UPHELD:
        chosen.append(("explanation", words.REMEDIES["explanation"], None))
        if draws[2] < 0.5:
            chosen.append(("apology", words.REMEDIES["apology"], None))
        if draws[3] < 0.2:
            chosen.append(("policy_changed", policy, due))
    elif draws[2] < 0.5:
        chosen.append(("explanation", words.REMEDIES["explanation"], None))
    return chosen


def _response(rng: random.Random, finding: str, category: str, stage: int, responded: date) -> dict:
    summary = rng.choice(words.RESPONSES[finding])
    themes = words.CATEGORY_THEMES[category]
    count = 1 if len(themes) == 1 or rng.random() < 0.6 else 2
    return dict(
        outcome=finding,
        summary=(words.STAGE2_OPENING + summary) if stage == STAGE_2 else summary,
        remedies=_remedies(rng, finding, category, responded),
        themes=themes[:count],
    )


def _draw_stage(rng: random.Random, stage: int) -> dict:
    """How a stage goes: when it is acknowledged, whether it is extended, how late the response
    is, the finding, and when the case is closed after it."""
    if stage == STAGE_1:
        draw = rng.random()
        acknowledge_after = rng.randint(0, 4) if draw < 0.8 else 5 if draw < 0.88 else rng.randint(6, 9)
        choices = dict(
            extended=rng.random() < 0.18, extend_at=rng.randint(5, 9), extension=rng.choice([3, 5, 5, 7, 10, 10])
        )
        findings = {CaseOutcome.UPHELD: 35, CaseOutcome.PARTLY_UPHELD: 30, CaseOutcome.NOT_UPHELD: 35}
        late, early_by, late_by = rng.random() < 0.12, rng.randint(0, 3), rng.randint(1, 6)
    else:
        acknowledge_after = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 7)
        choices = dict(
            extended=rng.random() < 0.15, extend_at=rng.randint(12, 18), extension=rng.choice([5, 10, 15, 20])
        )
        findings = {CaseOutcome.UPHELD: 20, CaseOutcome.PARTLY_UPHELD: 30, CaseOutcome.NOT_UPHELD: 50}
        late, early_by, late_by = rng.random() < 0.1, rng.randint(0, 4), rng.randint(1, 5)
    return dict(
        acknowledge_after=acknowledge_after,
        extension_reason=rng.choice(words.EXTENSION_REASONS),
        late=late,
        early_by=early_by,
        late_by=late_by,
        finding=_pick(rng, findings),
        close_after=rng.randint(3, 25) if stage == STAGE_1 else rng.randint(2, 10),
        **choices,
    )


def _plan_stage(rng: random.Random, case: PlannedCase, stage: int, arrived: datetime, drawn: dict) -> datetime:
    """Acknowledge, perhaps extend, and respond at ``stage``. Returns when the response went."""
    acknowledged = _working_time(
        rng, add_working_days(receipt_day(london_day(arrived)), drawn["acknowledge_after"]), arrived
    )
    case.steps.append(Step(ACKNOWLEDGE, acknowledged))
    respond_by = add_working_days(receipt_day(london_day(acknowledged)), RESPOND_DAYS[stage])
    last = acknowledged
    if drawn["extended"]:
        last = _working_time(rng, add_working_days(london_day(acknowledged), drawn["extend_at"]), acknowledged)
        details = {"working_days": drawn["extension"], "reason": drawn["extension_reason"]}
        case.steps.append(Step(EXTEND, last, details))
        respond_by = add_working_days(respond_by, drawn["extension"])
    if drawn["late"]:
        day = add_working_days(respond_by, drawn["late_by"])
    else:
        day = working_days_before(respond_by, drawn["early_by"])
    responded = _working_time(rng, max(day, london_day(last)), last)
    details = _response(rng, drawn["finding"], case.category, stage, london_day(responded))
    case.steps.append(Step(RESPOND, responded, details))
    return responded


def _plan_remedies_done(case: PlannedCase) -> None:
    """Most promises with a date are kept by it, some late, a few not at all. Drawn from a
    generator of their own, so that the case's other choices stay as they were."""
    rng = random.Random(f"{case.key} remedies")
    responses = [step for step in case.steps if step.action == RESPOND]
    for response in responses:
        for _, description, due_on in response.details.get("remedies", []):
            draw = rng.random()
            if due_on is None or draw >= 0.95:
                continue
            first = london_day(response.at) + timedelta(days=1)
            day = first + timedelta(days=rng.randint(0, max((due_on - first).days, 0)))
            if draw >= 0.8:
                day = due_on + timedelta(days=rng.randint(1, 20))
            done = _working_time(rng, day if is_working_day(day) else add_working_days(day, 1), response.at)
            case.steps.append(Step(REMEDY_DONE, done, {"description": description}))


def _close_after(rng: random.Random, case: PlannedCase, after: datetime, working_days: int) -> None:
    case.steps.append(Step(CLOSE, _working_time(rng, add_working_days(london_day(after), working_days), after)))


def _plan_not_taken_on(rng: random.Random, case: PlannedCase, reason: str, acknowledge_after: int) -> None:
    day = add_working_days(receipt_day(london_day(case.received_at)), min(acknowledge_after, 4) or 1)
    details = {"reason": reason, "signposting": words.SIGNPOSTING[reason]}
    case.steps.append(Step(NOT_A_COMPLAINT, _working_time(rng, day, case.received_at), details))


def _escalates(scenario: str | None, finding: str, draw: float) -> bool:
    chance = {CaseOutcome.UPHELD: 0.03, CaseOutcome.PARTLY_UPHELD: 0.15, CaseOutcome.NOT_UPHELD: 0.2}[finding]
    return scenario == "escalate" or draw < chance


def _plan_complaint(rng: random.Random, case: PlannedCase, scenario: str | None) -> None:
    # Every draw is made whatever happens, so that each case's choices do not depend on its dates.
    not_taken_on = rng.random() < 0.05
    not_taken_reason = "service_request" if rng.random() < 0.6 else "other_route"
    first = _draw_stage(rng, 1)
    escalate_draw, escalate_after = rng.random(), rng.randint(2, 20)
    escalation_reason = rng.choice(words.ESCALATION_REASONS)
    second = _draw_stage(rng, 2)
    hour_draw, triage_draw = rng.random(), rng.random()

    if scenario is not None:
        not_taken_on = scenario == "not_a_complaint"
    if scenario == "extend":
        first["extended"] = True
    if scenario == "late_acknowledgement":
        first.update(acknowledge_after=9, extended=False)
    if scenario == "escalate" and first["finding"] == CaseOutcome.UPHELD:
        first["finding"] = CaseOutcome.PARTLY_UPHELD

    _triage(case, triage_draw, not_taken_on and not_taken_reason == "other_route")
    if not_taken_on:
        _plan_not_taken_on(rng, case, not_taken_reason, first["acknowledge_after"])
        return
    responded = _plan_stage(rng, case, 1, case.received_at, first)
    if not _escalates(scenario, first["finding"], escalate_draw):
        _close_after(rng, case, responded, first["close_after"])
        return
    # The family asks for stage 2, at any hour; a senior officer who did not handle stage 1 takes it.
    escalated = responded + timedelta(days=escalate_after, hours=int(hour_draw * 10))
    case.steps.append(Step(ESCALATE, escalated, {"reason": escalation_reason}))
    responded = _plan_stage(rng, case, 2, escalated, second)
    _close_after(rng, case, responded, second["close_after"])


def _plan_other(rng: random.Random, case: PlannedCase) -> None:
    """Compliments, suggestions and questions: no clocks; acknowledged, answered and closed.
    The response records no finding, but its learning theme counts as evidence."""
    acknowledge_after, respond_after, close_after = rng.randint(0, 5), rng.randint(2, 12), rng.randint(1, 10)
    summary = rng.choice(words.OTHER_RESPONSES[case.kind])
    day = receipt_day(london_day(case.received_at))
    if case.answers["reply"] == "no":
        # Nobody to write to: read, passed on, closed.
        case.steps.append(
            Step(CLOSE, _working_time(rng, add_working_days(day, acknowledge_after + 1), case.received_at))
        )
        return
    last = case.received_at
    if case.kind != QUESTION:
        last = _working_time(rng, add_working_days(day, acknowledge_after), last)
        case.steps.append(Step(ACKNOWLEDGE, last))
    last = _working_time(rng, add_working_days(london_day(last), respond_after), last)
    themes = words.CATEGORY_THEMES.get(case.category, [])[:1]
    case.steps.append(Step(RESPOND, last, dict(summary=summary, themes=themes)))
    _close_after(rng, case, last, close_after)


def _category(rng: random.Random, kind: str) -> str:
    if kind == COMPLAINT:
        return _pick(rng, words.CATEGORY_WEIGHTS)
    return _pick(rng, {name: weight for name, weight in words.CATEGORY_WEIGHTS.items() if name in OTHER_TEXTS[kind]})


def plan_case(
    key: str,
    rng: random.Random,
    received_at: datetime,
    now: datetime,
    kind: str | None = None,
    scenario: str | None = None,
) -> PlannedCase:
    """One case received at ``received_at``, with the steps taken on it up to ``now``."""
    drawn_kind = _pick(rng, KIND_WEIGHTS)
    kind = kind or drawn_kind
    category = _category(rng, kind)
    answers, wants_updates = _family(rng, kind, category)
    if kind == COMPLAINT and rng.random() < 0.015:
        answers.update(worried="yes", urgent_seen=True)
    case = PlannedCase(key, kind, category, received_at, answers, wants_updates=wants_updates)
    if kind == COMPLAINT:
        _plan_complaint(rng, case, scenario)
    else:
        _plan_other(rng, case)
    _plan_remedies_done(case)
    # What has not happened yet is not in the history.
    case.steps = [step for step in case.steps if step.at <= now]
    return case


# --- when cases arrive --------------------------------------------------------------------------


def arrival(start: datetime, end: datetime, draw: float) -> datetime:
    """A moment between start and end, on a day picked by ``draw``, in the waking hours
    (7am to 10.30pm, London) when families send feedback."""
    moment = start + (end - start) * draw
    waking = 7 * 60 + int((draw * 7919) % 1 * (15.5 * 60))
    return min(max(london_moment(london_day(moment), waking), start), end)


def _term_spans(now: datetime) -> list[tuple[datetime, datetime]]:
    """The current school term and the two before it, oldest first, up to an hour ago."""
    latest = now - timedelta(hours=1)
    spans = [(term.starts_at, min(term.ends_at, latest)) for term in reversed(recent_terms(london_day(now), 3))]
    return [(start, max(end, start + timedelta(minutes=1))) for start, end in spans]


def _shares(rest: int, spans: list[tuple[datetime, datetime]]) -> list[int]:
    """How many cases each term gets: by its length, with at least a sixth of them each."""
    lengths = [(end - start).total_seconds() for start, end in spans]
    floor = min(max(rest // 6, 1), rest // 3)
    shares = [max(floor, int(rest * length / sum(lengths))) for length in lengths]
    shares[-1] = rest - sum(shares[:-1])
    while shares[-1] < floor and shares[0] > floor:
        shares[0] -= 1
        shares[-1] += 1
    return shares


def _recent_arrival(position: int, scenario: str | None, rng: random.Random, now: datetime) -> datetime:
    today = london_day(now)
    if scenario == "late_acknowledgement":
        # Eight working days ago: three past its acknowledgement deadline, acknowledged tomorrow.
        return london_moment(working_days_before(today, 8), 10 * 60 + 15 + int(rng.random() * 300))
    if position == 1:
        # Today, in the last few hours (whatever the time now), so that the current term and
        # the current financial year always have a complaint.
        midnight = london_moment(today, 0)
        return max(midnight + (now - midnight) * (0.5 + rng.random() / 4), now - timedelta(hours=6))
    return now - timedelta(days=3 * position - 3, hours=2 + rng.random() * 10)


def demo_plans(now: datetime, count: int = DEMO_COUNT, seed: int = SEED) -> list[PlannedCase]:
    """``count`` cases over the current school term and the two before it: each term has the
    mix of TERM_PATTERN, and the newest few are still open."""
    spans = _term_spans(now)
    recent = min(len(RECENT_PATTERN), max(count // 20, 1)) if count >= 10 else 0
    plans: list[PlannedCase] = []
    number = 0
    for (start, end), share in zip(spans, _shares(count - recent, spans), strict=True):
        for position in range(share):
            number += 1
            rng = case_rng(number, seed)
            received = arrival(start, end, rng.random())
            kind, scenario = TERM_PATTERN[position % len(TERM_PATTERN)]
            plans.append(plan_case(f"{DEMO_PREFIX}{number:03d}", rng, received, now, kind, scenario))
    for position, (kind, scenario) in enumerate(RECENT_PATTERN[:recent]):
        number += 1
        rng = case_rng(number, seed)
        received = min(max(_recent_arrival(position, scenario, rng, now), spans[-1][0]), now - timedelta(minutes=1))
        plans.append(plan_case(f"{DEMO_PREFIX}{number:03d}", rng, received, now, kind, scenario))
    return plans
