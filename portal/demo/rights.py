"""Demo data requests for seed-demo, so that managers see the queue with something in it: the
demo parent asks online for a correction, and a family without an account rang three weeks ago
for a copy of their data, which a manager wrote down. Both are made through the real actions;
if any request exists already, nothing is added."""

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback import models as feedback
from portal.feedback.models import Case
from portal.rights import requests
from portal.rights.models import ACCESS, CORRECTION, DataRequest


def seed_data_requests(manager_email: str, parent_email: str) -> None:
    if db.session.scalar(sa.select(DataRequest.id).limit(1)) is not None:
        return
    parent = db.session.scalar(sa.select(User).where(User.email == parent_email))
    manager = db.session.scalar(sa.select(User).where(User.email == manager_email))
    requests.ask(
        parent,
        CORRECTION,
        what="My son's school is given as Northfield Primary on my transport complaint. He moved to Riverside Academy in September.",
        why="The school sends the transport details, so it needs to be the right one.",
    )
    without_account = db.session.scalar(
        sa.select(Case).where(Case.user_id.is_(None), Case.contact_email.is_not(None)).order_by(Case.id).limit(1)
    )
    if manager and without_account:
        requests.record(
            manager,
            kind=ACCESS,
            who=without_account.reference,
            received_on=london_today() - timedelta(days=21),
            channel=feedback.PHONE,
            what="Asked on the phone for a copy of everything we hold about their complaint, including notes.",
        )
