"""The report figures kept between readings (portal.core.kept_figures) are always the figures a
fresh count gives: for a year or term that is over and for the one going on, after cases are
reopened, closed, recategorised and given learning themes."""

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.casework import services
from portal.casework.models import CaseOutcome
from portal.core.terms import term_of
from portal.core.time import london_today, utcnow
from portal.demo import accounts, cases
from portal.extensions import db
from portal.feedback.models import CLOSED, COMPLAINT, Case, Category
from portal.reports import periods
from portal.reports.complaints import (
    SECTIONS,
    complaints_report,
    count_feedback_received,
    count_report,
    feedback_received,
    report_figures,
)
from portal.themes.models import LearningTheme
from portal.yousaid.evidence import count_evidence, evidence_for
from scripts import bulk_history


def periods_to_check():
    year, term = periods.current_year(), term_of(london_today())
    return [year, year.previous(), term, term.previous()]


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


def statements_to_read(app, period) -> int:
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        complaints_report(period)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


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
