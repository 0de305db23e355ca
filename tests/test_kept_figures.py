"""The report figures kept between readings (portal.core.kept_figures) are always the figures a
fresh count gives: for a year or term that is over and for the one going on, after cases are
reopened, closed, recategorised and given learning themes, and after each other kind of change
to a case; and a change to this term's cases leaves the figures of the periods before in use."""

import itertools
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts.models import User
from portal.casework import figure_changes, services
from portal.casework.clocks import RESPOND
from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy, outcome_theme
from portal.core import kept_figures
from portal.core.models import KeptFigures
from portal.core.terms import term_of
from portal.core.time import london_today, utcnow
from portal.demo import accounts, cases
from portal.extensions import db
from portal.feedback.models import ACKNOWLEDGED, CLOSED, COMPLAINT, ESCALATED, RECEIVED, Case, Category
from portal.reports import periods
from portal.reports.complaints import (
    SECTIONS,
    complaints_report,
    count_feedback_received,
    count_report,
    feedback_received,
    report_figures,
)
from portal.retention import cases as retention_cases
from portal.themes.models import LearningTheme
from portal.yousaid.evidence import count_evidence, evidence_for
from scripts import bulk_history


def periods_to_check():
    year, term = periods.current_year(), term_of(london_today())
    return [year, year.previous(), year.previous().previous(), term, term.previous(), term.previous().previous()]


def kept_and_counted(period):
    """The figures as the pages read them (kept, or counted and kept), and freshly counted."""
    now = utcnow()
    kept = (report_figures(complaints_report(period, now)), feedback_received(period, now))
    counted = (
        report_figures(count_report(period, min(now, period.ends_at), set(SECTIONS))),
        count_feedback_received(period, now),
    )
    return kept, counted


def evidence_kept_and_counted():
    """You Said, We Did evidence for every theme in the current and last term, as the pages
    read it and freshly counted."""
    term = term_of(london_today())
    themes = db.session.scalars(sa.select(LearningTheme.id)).all()
    pairs = [(theme, slug) for theme in themes for slug in (term.slug, term.previous().slug)]
    return evidence_for(pairs), count_evidence(pairs)


def statements_run(read) -> list[str]:
    """The SQL statements ``read()`` runs."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return statements


def reads_the_cases(read) -> bool:
    return any("feedback_case" in statement for statement in statements_run(read))


def statements_to_read(app, period) -> int:
    return len(statements_run(lambda: complaints_report(period)))


@pytest.fixture
def history(app):
    """The demo's teams, categories, accounts and themes, and 80 cases over two years."""
    with app.app_context():
        teams = accounts.seed_teams()
        accounts.seed_categories(teams)
        accounts.seed_accounts("Velvet-Compass-Meadow-19", teams)
        cases.seed_themes()
        db.session.commit()
        bulk_history.insert_bulk(80, days=730, batch=40)
    return app


def test_kept_figures_are_the_counted_ones_and_a_second_reading_costs_one_query(history):
    with history.app_context():
        for period in periods_to_check():
            kept, counted = kept_and_counted(period)
            assert kept == counted, period.label
            assert statements_to_read(history, period) == 1, period.label
            again, _ = kept_and_counted(period)
            assert again == counted, period.label
        kept, counted = evidence_kept_and_counted()
        assert kept == counted and any(evidence.feedback for evidence in counted.values())


def test_kept_figures_follow_cases_reopened_closed_recategorised_and_given_themes(history):
    with history.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
        year = periods.current_year()
        before = {period.label: kept_and_counted(period)[0] for period in periods_to_check()}
        evidence_before, _ = evidence_kept_and_counted()

        def complaint(*conditions):
            return db.session.scalars(
                sa.select(Case)
                .where(Case.kind == COMPLAINT, Case.received_at >= year.previous().starts_at, *conditions)
                .order_by(Case.received_at.desc())
            ).first()

        closed = complaint(Case.status == CLOSED)
        services.reopen(closed, manager, "The family came back with more to say.")
        db.session.commit()

        still_open = complaint(Case.status != CLOSED, Case.id != closed.id)
        services.close(still_open, manager)
        db.session.commit()

        moved = complaint(Case.received_at >= year.starts_at, Case.category_id.is_not(None))
        moved.category_id = db.session.scalar(
            sa.select(Category.id).where(Category.id != moved.category_id).order_by(Category.id)
        )
        db.session.commit()

        outcome = db.session.scalars(
            sa.select(CaseOutcome)
            .join(Case, Case.id == CaseOutcome.case_id)
            .where(CaseOutcome.outcome.is_not(None), CaseOutcome.recorded_at >= year.previous().starts_at)
            .order_by(CaseOutcome.recorded_at)
        ).first()
        outcome.themes.append(
            db.session.scalars(
                sa.select(LearningTheme).where(LearningTheme.id.not_in([t.id for t in outcome.themes]))
            ).first()
        )
        db.session.commit()

        after = {}
        for period in periods_to_check():
            kept, counted = kept_and_counted(period)
            assert kept == counted, period.label
            after[period.label] = kept
        assert after != before
        evidence_after, evidence_counted = evidence_kept_and_counted()
        assert evidence_after == evidence_counted
        assert after[year.label][0]["categories"] != before[year.label][0]["categories"]
        assert after[year.label][0]["themes"] != before[year.label][0]["themes"] or (
            after[year.previous().label][0]["themes"] != before[year.previous().label][0]["themes"]
        )


def test_lists_of_every_closed_case_and_remedy_overdue_stop_counting_past_a_thousand(app, client, auth, users):
    """The closed and remedies-overdue lists grow with every year of cases: past 1,000 they
    say "1,000+" instead of counting them all, while the open queues are counted exactly."""
    with app.app_context():
        teams = accounts.seed_teams()
        accounts.seed_categories(teams)
        cases.seed_themes()
        db.session.commit()
        bulk_history.insert_bulk(1100, days=3 * 365, batch=550)
        closed = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.status == CLOSED))
        still_open = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.status != CLOSED))
    assert closed > 1000
    auth.sign_in(users.make("manager"))
    queue = client.get("/cases?queue=closed").get_data(as_text=True)
    assert 'Closed <span class="twc-queues__count">(1,000+)</span>' in queue
    assert f'All open <span class="twc-queues__count">({still_open})</span>' in queue


# --- each kind of change to a case ------------------------------------------------------------

_numbers = itertools.count(1)


def new_case(received_at, kind=COMPLAINT, **fields) -> Case:
    number = next(_numbers)
    category = db.session.scalar(sa.select(Category.id).order_by(Category.id))
    case = Case(
        reference=f"CAN-2099-{number:05d}",
        submission_key=f"kept-{number}",
        kind=kind,
        stage=1,
        what_happened="Something happened.",
        received_at=received_at,
        category_id=category,
        acknowledge_by=(received_at - timedelta(days=3)).date(),
        respond_by=(received_at - timedelta(days=3)).date(),
        **({"status": RECEIVED} | fields),
    )
    db.session.add(case)
    return case


def a_case(*conditions) -> Case:
    found = db.session.scalars(sa.select(Case).where(*conditions).order_by(Case.received_at.desc())).first()
    assert found is not None, "the history has no such case"
    return found


def last_year():
    return periods.current_year().previous()


def complaint_of_last_year(*conditions) -> Case:
    year = last_year()
    return a_case(
        Case.kind == COMPLAINT, Case.received_at >= year.starts_at, Case.received_at < year.ends_at, *conditions
    )


def outcome_of_last_year() -> CaseOutcome:
    year = last_year()
    return db.session.scalars(
        sa.select(CaseOutcome)
        .where(
            CaseOutcome.outcome.is_not(None),
            CaseOutcome.recorded_at >= year.starts_at,
            CaseOutcome.recorded_at < year.ends_at,
        )
        .order_by(CaseOutcome.id)
    ).first()


def manager() -> User:
    return db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))


def case_received_today(_):
    new_case(utcnow())


def question_received_last_year(_):
    new_case(last_year().starts_at + timedelta(days=40), kind="question")


def open_complaint_of_last_year() -> Case:
    """A complaint received last year and still open."""
    return new_case(last_year().starts_at + timedelta(days=20))


def closed_unanswered_complaint_of_last_year() -> Case:
    received = last_year().starts_at + timedelta(days=20)
    return new_case(received, status=CLOSED, closed_at=received + timedelta(days=5))


def acknowledged_complaint_of_last_year() -> Case:
    received = last_year().starts_at + timedelta(days=20)
    return new_case(received, status=ACKNOWLEDGED, acknowledged_at=received + timedelta(days=1))


def prepared_by(prepare):
    """The change is made to what ``prepare()`` writes, once the figures are kept with it."""

    def mark(change):
        change.prepare = prepare
        return change

    return mark


@prepared_by(open_complaint_of_last_year)
def complaint_closed(case):
    services.close(case, manager())


@prepared_by(closed_unanswered_complaint_of_last_year)
def complaint_reopened(case):
    # Closed unanswered: once reopened it was still waiting, past its deadlines, at the end of last year.
    services.reopen(case, manager(), "The family came back.")


def complaint_escalated(_):
    case = complaint_of_last_year(Case.status == CLOSED, Case.stage == 1)
    case.stage, case.status, case.closed_at, case.escalated_at = 2, ESCALATED, None, utcnow()


def received_date_moved_into_last_year(_):
    # Set without reading it first: the date it had must still be known.
    case = a_case(Case.kind == COMPLAINT, Case.received_at >= periods.current_year().starts_at)
    db.session.expire(case)
    case.received_at = last_year().starts_at + timedelta(days=10)


@prepared_by(acknowledged_complaint_of_last_year)
def old_open_complaint_given_a_later_deadline(case):
    # Still open at the end of last year: waiting past its deadline then, or not, by this date.
    case.respond_by = london_today() + timedelta(days=30)


def finding_changed(_):
    outcome = outcome_of_last_year()
    outcome.outcome = next(code for code in CaseOutcome.LABELS if code != outcome.outcome)


def theme_given(_):
    outcome = outcome_of_last_year()
    taken = [theme.id for theme in outcome.themes]
    outcome.themes.append(db.session.scalars(sa.select(LearningTheme).where(LearningTheme.id.not_in(taken))).first())


def themes_taken_away(_):
    year = last_year()
    outcome = db.session.scalars(
        sa.select(CaseOutcome)
        .join(outcome_theme)
        .where(
            CaseOutcome.outcome.is_not(None),
            CaseOutcome.recorded_at >= year.starts_at,
            CaseOutcome.recorded_at < year.ends_at,
        )
    ).first()
    outcome.themes.clear()


def outcome_deleted(_):
    db.session.delete(outcome_of_last_year())


def remedy_done(_):
    remedy = db.session.scalars(
        sa.select(Remedy)
        .join(CaseOutcome)
        .where(
            Remedy.done_at.is_(None),
            CaseOutcome.outcome.is_not(None),
            CaseOutcome.recorded_at >= last_year().starts_at,
            CaseOutcome.recorded_at < last_year().ends_at - timedelta(days=2),
        )
        .order_by(Remedy.id)
    ).first()
    remedy.done_at = last_year().ends_at - timedelta(days=2)


def extension_recorded(_):
    case = complaint_of_last_year()
    db.session.add(
        DeadlineChange(
            case_id=case.id,
            stage=1,
            clock=RESPOND,
            new_date=london_today(),
            reason="More time.",
            extension_days=10,
            changed_at=last_year().ends_at - timedelta(days=5),
        )
    )


def ombudsman_told(_):
    case = complaint_of_last_year(~sa.exists().where(OmbudsmanReferral.case_id == Case.id))
    db.session.add(OmbudsmanReferral(case_id=case.id, notified_on=last_year().ends_on - timedelta(days=1)))


@prepared_by(open_complaint_of_last_year)
def case_deleted(case):
    db.session.delete(case)


def anonymised_by_retention(_):
    retention_cases.anonymise([complaint_of_last_year(Case.status == CLOSED).id], utcnow())


def category_renamed(_):
    category = db.session.scalars(sa.select(Category).order_by(Category.id)).first()
    category.name = "Renamed for the report"


CHANGES = [
    case_received_today,
    question_received_last_year,
    complaint_closed,
    complaint_reopened,
    complaint_escalated,
    received_date_moved_into_last_year,
    old_open_complaint_given_a_later_deadline,
    finding_changed,
    theme_given,
    themes_taken_away,
    outcome_deleted,
    remedy_done,
    extension_recorded,
    ombudsman_told,
    case_deleted,
    anonymised_by_retention,
    category_renamed,
]


def everything_read():
    """Every period's figures and the evidence, as the pages read them (keeping them)."""
    figures = {period.label: kept_and_counted(period)[0] for period in periods_to_check()}
    return figures, evidence_kept_and_counted()[0]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_after_each_kind_of_change_the_kept_figures_are_a_fresh_count(history, change):
    with history.app_context():
        prepared = change.prepare() if hasattr(change, "prepare") else None
        db.session.commit()
        before = everything_read()
        change(prepared)
        db.session.commit()
        for period in periods_to_check():
            kept, counted = kept_and_counted(period)
            assert kept == counted, period.label
        kept, counted = evidence_kept_and_counted()
        assert kept == counted
        if change is not anonymised_by_retention:
            assert everything_read() != before, "the change should have changed some figure"


def test_a_change_to_this_terms_case_leaves_the_figures_of_the_periods_before_in_use(history):
    with history.app_context():
        year, term = periods.current_year(), term_of(london_today())
        case = new_case(max(utcnow() - timedelta(days=1), term.starts_at))
        db.session.commit()
        earlier = [year.previous(), year.previous().previous(), term.previous()]
        everything_read()
        case.category_id = db.session.scalar(
            sa.select(Category.id).where(Category.id != case.category_id).order_by(Category.id)
        )
        db.session.commit()

        for period in earlier:
            assert not reads_the_cases(lambda period=period: complaints_report(period)), period.label
            kept, counted = kept_and_counted(period)
            assert kept == counted, period.label
            assert statements_to_read(history, period) == 1, period.label
        themes = db.session.scalars(sa.select(LearningTheme.id)).all()
        assert not reads_the_cases(lambda: evidence_for([(theme, term.previous().slug) for theme in themes]))
        # This year's figures are counted again, with the case in its new category.
        assert reads_the_cases(lambda: complaints_report(year))
        kept, counted = kept_and_counted(year)
        assert kept == counted


def test_a_note_on_a_case_leaves_the_figures_of_its_period_in_use(history):
    with history.app_context():
        year = periods.current_year()
        case = new_case(utcnow() - timedelta(hours=1))
        db.session.commit()
        complaints_report(year)
        services.add_note(case, manager(), "Rang the family.")
        db.session.commit()
        assert not reads_the_cases(lambda: complaints_report(year))
        kept, counted = kept_and_counted(year)
        assert kept == counted


def test_figures_kept_before_the_oldest_change_still_logged_are_counted_again(history, monkeypatch):
    monkeypatch.setattr(kept_figures, "KEEP_CHANGES", 3)
    monkeypatch.setattr(kept_figures, "PRUNE_EVERY", 1)
    with history.app_context():
        earlier = last_year()
        complaints_report(earlier)
        # A change to last year's case, then enough changes to this year's for it to leave the log.
        complaint_of_last_year().category_id = None
        db.session.commit()
        case = new_case(utcnow() - timedelta(hours=1))
        for _ in range(4):
            case.respond_by = case.respond_by + timedelta(days=1)
            db.session.commit()
        assert reads_the_cases(lambda: complaints_report(earlier))
        kept, counted = kept_and_counted(earlier)
        assert kept == counted


def kept_at(name_ending: str):
    """When the figures kept under a name ending so were counted (None: not kept)."""
    return db.session.scalar(sa.select(KeptFigures.counted_at).where(KeptFigures.name.endswith(name_ending)))


def test_answering_an_older_complaint_today_counts_only_today_again(history):
    """A caseworker acknowledges a complaint that arrived weeks ago, and extends its deadline:
    this year's figures count today again, and keep what happened before today as counted."""
    with history.app_context():
        year = periods.current_year()
        # A day at least two days into the year, so that there is a before today.
        moment = max(utcnow(), year.starts_at + timedelta(days=2, hours=12))
        with time_machine.travel(moment, tick=True):
            case = new_case(max(utcnow() - timedelta(days=20), year.starts_at))
            db.session.commit()
            complaints_report(year)
            counted_before_today = kept_at(" before today")
            assert counted_before_today is not None

            services.acknowledge(case, manager())
            db.session.commit()
            kept, counted = kept_and_counted(year)
            assert kept == counted
            services.extend(case, manager(), 5, "We are waiting for the school's records.")
            db.session.commit()
            kept, counted = kept_and_counted(year)
            assert kept == counted
            assert kept[0]["timescales"]["1"]["acknowledged"] >= 1
            assert kept_at(" before today") == counted_before_today
            assert kept_at(f"{','.join(sorted(SECTIONS))} today") > counted_before_today


def test_every_column_of_a_case_the_figures_count_by_is_watched(history):
    """kept_figures follow a change to a case by the columns figure_changes names: every
    column the report, the feedback received and the evidence read must be one of them."""
    with history.app_context():
        year, term = periods.current_year(), term_of(london_today())
        statements = statements_run(lambda: count_report(year, utcnow(), set(SECTIONS)))
        statements += statements_run(lambda: count_feedback_received(term, utcnow()))
        themes = db.session.scalars(sa.select(LearningTheme.id)).all()
        statements += statements_run(lambda: count_evidence([(theme, term.slug) for theme in themes]))
        read = {column for statement in statements for column in re.findall(r"feedback_case\.(\w+)", statement)}
        assert "category_id" in read and "responded_at" in read
        assert read - {"id"} <= figure_changes.COUNTED
