"""The benchmark's bulk cases (scripts/bulk_history.py): references in the order the cases arrived,
a counter that knows about them, and report pages that count them."""

from datetime import timedelta

import sqlalchemy as sa

from portal.casework.models import CaseOutcome, DeadlineChange
from portal.core.time import LONDON, utcnow
from portal.demo import accounts, cases
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case
from portal.reports import periods
from scripts import bulk_history


def london_day(moment):
    return moment.astimezone(LONDON).date()


def test_bulk_history_reserves_references_in_arrival_order(app, client):
    with app.app_context():
        teams = accounts.seed_teams()
        accounts.seed_categories(teams)
        accounts.seed_accounts("Velvet-Compass-Meadow-19", teams)
        cases.seed_themes()
        db.session.commit()
        now = utcnow()
        assert bulk_history.insert_bulk(60, days=400, now=now, batch=25) == 60
        made = db.session.scalars(sa.select(Case).where(Case.submission_key.like("bulk-%"))).all()
        assert len(made) == 60
        assert min(case.received_at for case in made) >= now - timedelta(days=401)
        by_time = sorted(made, key=lambda case: (case.received_at, case.id))
        for year in {london_day(case.received_at).year for case in made}:
            numbers = [int(c.reference.rsplit("-", 1)[1]) for c in by_time if london_day(c.received_at).year == year]
            assert numbers == list(range(1, len(numbers) + 1))
            assert feedback_services.allocate_reference(year) == f"CAN-{year}-{len(numbers) + 1:05d}"
        db.session.rollback()
        complaints = [case for case in made if case.kind == "complaint" and case.not_complaint_reason is None]
        assert complaints
        for case in complaints:
            first = db.session.scalars(
                sa.select(DeadlineChange).where(DeadlineChange.case_id == case.id).order_by(DeadlineChange.id)
            ).first()
            assert first.clock == "acknowledge" and first.changed_at == case.received_at
        assert db.session.scalar(sa.select(sa.func.count(CaseOutcome.id))) > 0
        year = periods.current_year()

    report = client.get(f"/reports/complaints.csv?year={year.start_year}")
    assert report.status_code == 200
