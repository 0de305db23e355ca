"""seed-demo's past feedback and You Said, We Did entries: every term on the public pages has
real numbers, the history is what the real casework actions would have written, and running
seed-demo again adds nothing."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.casework import clocks, demo_history, receivers, routing
from portal.casework import services as casework_services
from portal.casework.models import CaseOutcome, DeadlineChange, Remedy, outcome_theme
from portal.core.models import AuditEvent
from portal.core.terms import recent_terms, term_of
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case, CaseMessage, ReferenceCounter
from portal.yousaid import periods
from portal.yousaid.models import DONE, IN_PROGRESS, PLANNED, YouSaidChange, YouSaidEntry

PASSWORD = "Velvet-Compass-Meadow-19"


def seed(runner):
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def london_day(moment):
    return moment.astimezone(LONDON).date()


def snapshot():
    """How many rows seed-demo's casework and You Said, We Did leave behind, table by table."""
    counted = [Case, DeadlineChange, CaseOutcome, Remedy, CaseMessage, AuditEvent, User, YouSaidEntry, YouSaidChange]
    counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in counted}
    counts["references"] = sorted(
        db.session.execute(sa.select(ReferenceCounter.year, ReferenceCounter.last_number)).all()
    )
    return counts


# --- seed-demo -------------------------------------------------------------------------------


def test_every_term_of_the_last_three_has_complaints_compliments_and_suggestions(app, runner):
    seed(runner)
    with app.app_context():
        cases = db.session.scalars(sa.select(Case)).all()
        kinds_by_term = {}
        for case in cases:
            kinds_by_term.setdefault(term_of(london_day(case.received_at)), set()).add(case.kind)
        for term in recent_terms(london_today(), 3):
            assert {"complaint", "compliment", "suggestion"} <= kinds_by_term.get(term, set()), term.label
        history = [case for case in cases if case.submission_key.startswith(demo_history.DEMO_PREFIX)]
        assert 80 <= len(history) <= 120
        # Some of everything the reports count.
        assert sum(case.extension_used for case in history) >= 3
        assert sum(case.escalated_at is not None for case in history) >= 3
        assert any(case.not_complaint_reason for case in history)
        still_open = [case for case in history if case.status != "closed"]
        assert len(still_open) >= 3
        overdue = [
            case
            for case in still_open
            if case.acknowledge_by and case.acknowledged_at is None and case.acknowledge_by < london_today()
        ]
        assert overdue
        # Stage 2 is handled by someone other than stage 1.
        for case in history:
            if case.stage == 2 and case.caseworker_id:
                assert case.caseworker_id != case.stage1_caseworker_id
        # Nothing has happened in the future.
        now = utcnow()
        for case in history:
            for moment in (
                case.received_at,
                case.acknowledged_at,
                case.responded_at,
                case.escalated_at,
                case.closed_at,
            ):
                assert moment is None or moment <= now
        # Families are invented, at example.org.
        assert all(case.contact_email.endswith("@example.org") for case in history if case.contact_email)


def test_escalated_complaints_keep_their_stage_1_clocks_in_the_history(app, runner):
    seed(runner)
    with app.app_context():
        escalated = db.session.scalars(
            sa.select(Case).where(
                Case.submission_key.like(f"{demo_history.DEMO_PREFIX}%"), Case.escalated_at.is_not(None)
            )
        ).all()
        assert escalated
        for case in escalated:
            changes = db.session.scalars(
                sa.select(DeadlineChange).where(DeadlineChange.case_id == case.id).order_by(DeadlineChange.id)
            ).all()
            stage1 = [(c.clock, c.old_date is None) for c in changes if c.stage == 1]
            assert stage1[:2] == [("acknowledge", True), ("respond", True)], case.reference
            stage2 = [c for c in changes if c.stage == 2]
            assert stage2[0].clock == "acknowledge" and stage2[0].reason.startswith("Stage 2 received")
            # The stage 1 response is recorded before the family asked for stage 2.
            stage1_outcome = db.session.scalar(
                sa.select(CaseOutcome).where(CaseOutcome.case_id == case.id, CaseOutcome.stage == 1)
            )
            assert stage1_outcome.recorded_at < case.escalated_at


def test_references_come_from_the_counter_so_new_feedback_gets_the_next_number(app, runner):
    seed(runner)
    with app.app_context():
        references = db.session.scalars(sa.select(Case.reference)).all()
        assert len(set(references)) == len(references)
        highest = {}
        for reference in references:
            _, year, number = reference.split("-")
            highest[int(year)] = max(highest.get(int(year), 0), int(number))
        counters = dict(db.session.execute(sa.select(ReferenceCounter.year, ReferenceCounter.last_number)).all())
        assert counters == highest


def test_seed_demo_twice_adds_nothing(app, runner, outbox):
    seed(runner)
    with app.app_context():
        before = snapshot()
    seed(runner)
    with app.app_context():
        assert snapshot() == before
    # The demo tells nobody anything.
    assert outbox.messages() == []


def test_you_said_we_did_entries_are_published_with_their_history(app, runner, client):
    seed(runner)
    current, previous = recent_terms(london_today(), 2)
    with app.app_context():
        entries = {entry.title: entry for entry in db.session.scalars(sa.select(YouSaidEntry))}
        published = {title: entry for title, entry in entries.items() if entry.published_at}
        drafts = [entry for entry in entries.values() if not entry.published_at]
        assert len(published) == 3 and len(drafts) == 1 and not drafts[0].changes

        can = published["We say CAN, not SEND"]
        assert can.term == previous.slug
        assert [(change.kind, change.status) for change in can.changes] == [
            (YouSaidChange.PUBLISHED, PLANNED),
            (YouSaidChange.STATUS, IN_PROGRESS),
            (YouSaidChange.STATUS, DONE),
        ]
        assert can.action_status == DONE and can.action_done_on
        assert [c.slug for c in can.consultations] == ["renaming-send-to-can"]

        contact = published["A named caseworker for every family"]
        local_offer = published["Rebuilding the Local Offer website with families"]
        for entry in (contact, local_offer):
            assert entry.term == current.slug and entry.action_status == IN_PROGRESS
            assert entry.changes[-1].status == IN_PROGRESS
            assert entry.cases, entry.title
        assert [c.slug for c in local_offer.consultations] == ["the-local-offer-website"]
        # The cases linked to the named contact entry taught that theme.
        for case in contact.cases:
            themes = db.session.scalars(
                sa.select(outcome_theme.c.theme_id)
                .join(CaseOutcome, CaseOutcome.id == outcome_theme.c.outcome_id)
                .where(CaseOutcome.case_id == case.id)
            ).all()
            assert contact.theme_id in themes

        now = utcnow()
        for entry in published.values():
            moments = [change.occurred_at for change in entry.changes]
            assert moments == sorted(moments) and moments[-1] <= now
            assert entry.published_at == moments[0]
            assert term_of(london_day(entry.published_at)) == (previous if entry is can else current)
        draft_title = drafts[0].title

    page = client.get("/you-said-we-did").get_data(as_text=True)
    for title in published:
        assert title in page
    assert draft_title not in page


def csv_values(client, year) -> dict[tuple[str, str], int]:
    response = client.get(f"/reports/complaints.csv?year={year.start_year}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    return {(measure, breakdown): int(value) for _, _, measure, breakdown, value in rows if value.isdigit()}


def test_last_terms_update_is_published_with_real_figures(client, runner):
    seed(runner)
    previous = recent_terms(london_today(), 2)[1]
    assert f'href="/updates/{previous.slug}"' in client.get("/updates").get_data(as_text=True)
    page = client.get(f"/updates/{previous.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Give every family a named caseworker they can reach directly." in text
    assert client.get(f"/updates/{previous.slug}.pdf").mimetype == "application/pdf"
    # The current term's update is left for the manager to write.
    assert client.get(f"/updates/{term_of(london_today()).slug}").status_code == 404


def test_the_complaints_report_has_real_figures(client, runner):
    seed(runner)
    current = periods.current_year()
    page = client.get("/reports/complaints")
    assert page.status_code == 200
    assert "No complaints were received in this period" not in page.get_data(as_text=True)
    this_year, last_year = csv_values(client, current), csv_values(client, current.previous())
    assert this_year[("Complaints received", "All categories")] > 0
    assert (
        this_year[("Other feedback received", "Compliments")] + this_year[("Other feedback received", "Suggestions")]
        > 0
    )
    # The three terms fall within this financial year and the one before.
    both = {key: this_year.get(key, 0) + last_year.get(key, 0) for key in this_year}
    for measure in [
        ("Stage 2 reviews asked for", "All categories"),
        ("Complaints taken out of the procedure", "All reasons"),
        ("Stage 1 responses with a finding", "Upheld"),
        ("Stage 1 responses with a finding", "Not upheld"),
        ("Stage 1 acknowledgements", "Within 5 working days"),
        ("Stage 1 responses", "By the deadline that applied"),
        ("Stage 1 extensions agreed", ""),
        ("Stage 2 responses", "Sent"),
        ("Remedies promised", "A policy or practice changed"),
    ]:
        assert both[measure] > 0, measure


# --- the history is what the real actions write ----------------------------------------------


def _columns(case):
    return {
        name: getattr(case, name)
        for name in (
            "kind",
            "status",
            "stage",
            "acknowledge_by",
            "acknowledged_at",
            "respond_by",
            "responded_at",
            "escalated_at",
            "closed_at",
            "extension_used",
            "stage1_caseworker_id",
            "not_complaint_reason",
            "caseworker_id",
            "team_id",
            "triage_route",
            "what_happened",
        )
    }


def _recorded(case_id, after_event_id):
    """What the database holds about one case, in a form two cases can be compared by."""
    changes = db.session.execute(
        sa.select(
            DeadlineChange.stage,
            DeadlineChange.clock,
            DeadlineChange.old_date,
            DeadlineChange.new_date,
            DeadlineChange.reason,
            DeadlineChange.changed_by_id,
        )
        .where(DeadlineChange.case_id == case_id)
        .order_by(DeadlineChange.id)
    ).all()
    outcomes = []
    for outcome in db.session.scalars(
        sa.select(CaseOutcome).where(CaseOutcome.case_id == case_id).order_by(CaseOutcome.id)
    ):
        outcomes.append(
            (
                outcome.stage,
                outcome.outcome,
                outcome.summary,
                outcome.recorded_by_id,
                sorted(theme.id for theme in outcome.themes),
                [(remedy.kind, remedy.description, remedy.due_on, remedy.done_at) for remedy in outcome.remedies],
            )
        )
    messages = db.session.execute(
        sa.select(CaseMessage.body, CaseMessage.from_family, CaseMessage.author_id, CaseMessage.internal)
        .where(CaseMessage.case_id == case_id)
        .order_by(CaseMessage.id)
    ).all()
    # Who routing picks for stage 2 depends on everyone's load: assignments are compared by result.
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.details)
        .where(
            AuditEvent.object_type == "feedback_case",
            AuditEvent.object_id == str(case_id),
            AuditEvent.id > after_event_id,
            AuditEvent.action.not_in(["case.assigned", "case.queued"]),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    return {"changes": changes, "outcomes": outcomes, "messages": messages, "events": events}


@pytest.fixture
def staff(app):
    from portal import demo
    from portal.casework.demo import seed_themes

    with app.app_context():
        teams = demo.seed_teams()
        demo.seed_categories(teams)
        demo.seed_accounts(PASSWORD, teams)
        seed_themes()
        demo_history.seed_history_staff()
        db.session.commit()
        return demo_history.load_staff()


def _chosen(plans):
    """Cases that between them take every path: each scenario, each kind, open and closed."""
    chosen, seen = [], set()
    for plan in plans:
        path = (plan.kind, plan.fields["anonymous"], tuple(step.action for step in plan.steps))
        if path not in seen:
            seen.add(path)
            chosen.append(plan)
    return chosen


def test_the_history_is_what_the_real_casework_actions_write(app, staff, monkeypatch):
    """Each path a planned case takes is replayed through the real actions at the planned
    moments; the case, its deadline history, outcomes, messages and audit trail must match."""
    # Seen from a few moments, so that cases stop at every stage of the procedure.
    plans = []
    for days_ago in (0, 9, 23, 40):
        for plan in demo_history.demo_plans(100, utcnow() - timedelta(days=days_ago), staff):
            plan.key = f"{plan.key}-{days_ago}"
            plans.append(plan)
    plans = _chosen(plans)
    assert {"acknowledge", "extend", "respond", "escalate", "close", "not_a_complaint"} <= {
        step.action for plan in plans for step in plan.steps
    }
    assert len(plans) >= 10
    # Among them, a complaint waiting for its stage 2 acknowledgement and one waiting for its response.
    assert any(plan.steps and plan.steps[-1].action == "escalate" for plan in plans)
    assert any([step.action for step in plan.steps][-2:] == ["escalate", "acknowledge"] for plan in plans)

    def at(moment):
        monkeypatch.setattr(casework_services, "utcnow", lambda: moment)
        monkeypatch.setattr(clocks, "utcnow", lambda: moment)
        monkeypatch.setattr(clocks, "london_today", lambda: london_day(moment))
        monkeypatch.setattr(casework_services, "london_today", lambda: london_day(moment))
        monkeypatch.setattr(receivers, "london_today", lambda: london_day(moment))
        monkeypatch.setattr(feedback_services, "utcnow", lambda: moment)

    with app.test_request_context():
        for number, plan in enumerate(plans, start=1):
            # As the demo writes it.
            generated_rows = demo_history.case_rows(plan, staff, f"CAN-1990-{number:05d}")
            demo_history.write([generated_rows])
            db.session.commit()
            generated = db.session.scalar(sa.select(Case).where(Case.submission_key == plan.key))

            # As the real actions write it: the case as submitted, its clock and routing, then each step.
            category_id, team_id = staff.category(plan.category)
            fields = dict(plan.fields)
            replayed = Case(
                reference=f"CAN-1991-{number:05d}",
                submission_key=f"replay-{plan.key}",
                kind=plan.kind,
                category_id=category_id,
                team_id=team_id,
                status="received",
                stage=1 if plan.kind == "complaint" else None,
                received_at=plan.received_at,
                **fields,
            )
            db.session.add(replayed)
            db.session.flush()
            at(plan.received_at)
            if replayed.stage:
                clocks.start_stage(replayed, london_day(plan.received_at))
            if plan.caseworker_id:
                routing.assign(replayed, db.session.get(User, plan.caseworker_id), demo_history.ROUTED)
            db.session.commit()
            first_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
            first_generated_event = db.session.scalar(
                sa.select(sa.func.min(AuditEvent.id)).where(
                    AuditEvent.object_id == str(generated.id),
                    AuditEvent.object_type == "feedback_case",
                    AuditEvent.occurred_at > plan.received_at,
                )
            )
            for step in plan.steps:
                at(step.at)
                actor = db.session.get(User, step.actor_id) if step.actor_id else None
                details = step.details
                if step.action == "acknowledge":
                    casework_services.acknowledge(replayed, actor)
                elif step.action == "extend":
                    casework_services.extend(replayed, actor, details["working_days"], details["reason"])
                elif step.action == "respond":
                    casework_services.record_outcome(
                        replayed,
                        actor,
                        outcome=details["outcome"],
                        summary=details["summary"],
                        remedies=details["remedies"],
                        theme_ids=[staff.themes[name] for name in details["themes"]],
                    )
                elif step.action == "close":
                    casework_services.close(replayed, actor)
                elif step.action == "not_a_complaint":
                    casework_services.mark_not_a_complaint(replayed, actor, details["reason"], details["signposting"])
                elif step.action == "escalate":
                    feedback_services.escalate(replayed, details["reason"])
                    if replayed.caseworker_id != details["handler"]:
                        by = db.session.get(User, details["assigned_by"]) if details["assigned_by"] else None
                        routing.assign(
                            replayed, db.session.get(User, details["handler"]), demo_history.STAGE2_TRANSFER, by
                        )
                db.session.commit()

            assert _columns(generated) == _columns(replayed), plan.key
            want = _recorded(replayed.id, first_event)
            got = _recorded(generated.id, (first_generated_event or 2**31 - 1) - 1)
            assert got == want, plan.key
            # Made at the planned moments (the real actions stamp these with the clock).
            outcome_times = db.session.scalars(
                sa.select(CaseOutcome.recorded_at).where(CaseOutcome.case_id == generated.id)
            ).all()
            respond_times = [step.at for step in plan.steps if step.action == "respond"]
            assert outcome_times == respond_times


def test_bulk_insert_writes_the_same_cases_with_reserved_references(app, staff):
    with app.app_context():
        now = utcnow()
        inserted = demo_history.insert_bulk(60, days=400, now=now, batch=25, trail=True)
        assert inserted == 60
        cases = db.session.scalars(
            sa.select(Case).where(Case.submission_key.like(f"{demo_history.BULK_PREFIX}%"))
        ).all()
        assert len(cases) == 60
        # References follow the order the cases arrived in, and the counter knows about them.
        by_time = sorted(cases, key=lambda case: (case.received_at, case.id))
        for year in {london_day(case.received_at).year for case in cases}:
            numbers = [
                int(case.reference.rsplit("-", 1)[1]) for case in by_time if london_day(case.received_at).year == year
            ]
            assert numbers == list(range(1, len(numbers) + 1))
            assert feedback_services.allocate_reference(year) == f"CAN-{year}-{len(numbers) + 1:05d}"
        db.session.rollback()
        # The same plan written one case at a time gives the same rows.
        plan = demo_history.bulk_plan(7, now, 400, staff)
        one = next(case for case in cases if case.submission_key == plan.key)
        assert london_day(one.received_at) == london_day(plan.received_at)
        assert one.status == demo_history.case_rows(plan, staff, one.reference).case["status"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseMessage)) > 60
        assert min(case.received_at for case in cases) >= now - timedelta(days=401)
