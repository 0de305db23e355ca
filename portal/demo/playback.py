"""Make planned cases happen through the real actions, each at its planned moment.

Every case is sent as a family sends it (a draft, then feedback.services.submit, whose receivers
start the clocks and route it to a caseworker), and every later step is the action a caseworker
or the family takes, all under a clock stopped at the step's moment (time-machine). So the cases'
clocks, deadline history, outcomes, messages, audit trail and email are what the real code writes.
The steps of all the cases are taken in the order they happened, so that routing sees each
caseworker's load as it was, and references follow the order the cases arrived in.

The email the actions queue is left to the caller: seed-demo marks it as sent when it was
queued (mail_marked_sent), as the demo's families and staff are invented.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
import time_machine

from portal.accounts import roles
from portal.accounts.models import User
from portal.casework import services as casework
from portal.core.time import utcnow
from portal.demo import plans
from portal.demo.accounts import MANAGER
from portal.demo.plans import PlannedCase, Step
from portal.extensions import db
from portal.feedback import services as feedback
from portal.feedback.models import PARENT, Case, Category
from portal.notifications.models import SENT, OutboxMessage
from portal.themes.models import LearningTheme


@dataclass(frozen=True)
class People:
    """Who and what the plans name, from the database."""

    manager: User | None
    caseworkers: list[User]
    parents: dict[str, User]
    categories: dict[str, int]
    themes: dict[str, int]

    @classmethod
    def load(cls) -> "People":
        active = sa.select(User).where(User.disabled_at.is_(None)).order_by(User.id)
        managers = db.session.scalars(active.where(User.role == roles.MANAGER)).all()
        return cls(
            manager=next((m for m in managers if m.email == MANAGER), managers[0] if managers else None),
            caseworkers=db.session.scalars(active.where(User.role == roles.CASEWORKER)).all(),
            parents={user.email: user for user in db.session.scalars(active.where(User.role == roles.PARENT))},
            categories=dict(db.session.execute(sa.select(Category.name, Category.id)).all()),
            themes=dict(db.session.execute(sa.select(LearningTheme.name, LearningTheme.id)).all()),
        )


@dataclass
class Underway:
    """A planned case once the family has sent it."""

    case: Case
    family: User | None

    def staff(self, people: People) -> User | None:
        """Whoever has the case now, or the manager for a case in a team's queue."""
        return self.case.caseworker or people.manager


def play(planned: list[PlannedCase]) -> int:
    """Make the cases not already there (by key), in the order everything happened. Returns how
    many cases were made. Leaves the commit to the caller."""
    keys = [plan.key for plan in planned]
    existing = set(db.session.scalars(sa.select(Case.submission_key).where(Case.submission_key.in_(keys))))
    wanted = [plan for plan in planned if plan.key not in existing]
    if not wanted:
        return 0
    people = People.load()
    underway: dict[str, Underway] = {}
    for moment, plan, step in _timeline(wanted):
        with time_machine.travel(moment, tick=False):
            if step is None:
                underway[plan.key] = _send(plan, people)
            else:
                _take(step, underway[plan.key], people)
            # Stamped now, while the clock still shows the step's moment.
            db.session.flush()
    return len(wanted)


def _timeline(planned: list[PlannedCase]) -> list[tuple]:
    """(moment, plan, step) for every case's arrival (step None) and steps, oldest first."""
    moments = []
    for number, plan in enumerate(planned):
        moments.append((plan.received_at, number, -1, plan, None))
        moments += [(step.at, number, index, plan, step) for index, step in enumerate(plan.steps)]
    moments.sort(key=lambda entry: entry[:3])
    return [(moment, plan, step) for moment, _, _, plan, step in moments]


def _send(plan: PlannedCase, people: People) -> Underway:
    if plan.channel:
        return _log(plan, people)
    family = people.parents.get(plan.account) if plan.account else None
    draft = feedback.new_draft(family)
    draft.key = plan.key
    # The demo's families speak for themselves, about a child under 16.
    who = {"speaker": PARENT, "young_person_age": "no"}
    feedback.save_answers(draft, {**who, **plan.answers, "category_id": str(people.categories[plan.category])})
    case = feedback.submit(draft, family)
    if plan.wants_updates:
        feedback.set_learning_updates(case, True, family)
    return Underway(case, family)


def _log(plan: PlannedCase, people: People) -> Underway:
    """Feedback that came by phone, letter or email, logged by the demo manager."""
    case = feedback.log_case(
        {**plan.answers, "category_id": str(people.categories[plan.category])},
        channel=plan.channel,
        received_on=plan.arrived_on or plans.london_day(plan.received_at),
        actor=people.manager,
        key=plan.key,
    )
    return Underway(case, None)


def _take(step: Step, underway: Underway, people: People) -> None:
    ACTIONS[step.action](underway, step.details, people)


def _acknowledge(underway: Underway, details: dict, people: People) -> None:
    casework.acknowledge(underway.case, underway.staff(people), details.get("body"))


def _reply(underway: Underway, details: dict, people: People) -> None:
    casework.reply(underway.case, underway.staff(people), details["body"])


def _extend(underway: Underway, details: dict, people: People) -> None:
    casework.extend(underway.case, underway.staff(people), details["working_days"], details["reason"])


def _respond(underway: Underway, details: dict, people: People) -> None:
    casework.record_outcome(
        underway.case,
        underway.staff(people),
        outcome=details.get("outcome"),
        summary=details["summary"],
        remedies=details.get("remedies", []),
        theme_ids=[people.themes[name] for name in details.get("themes", []) if name in people.themes],
    )


def _close(underway: Underway, details: dict, people: People) -> None:
    casework.close(underway.case, underway.staff(people))


def _not_a_complaint(underway: Underway, details: dict, people: People) -> None:
    casework.mark_not_a_complaint(underway.case, underway.staff(people), details["reason"], details["signposting"])


def _family_reply(underway: Underway, details: dict, people: People) -> None:
    feedback.family_reply(underway.case, details["body"], [], underway.family)


def _escalate(underway: Underway, details: dict, people: People) -> None:
    """The family asks for stage 2; routing names a senior officer who did not handle stage 1."""
    feedback.escalate(underway.case, details.get("reason"), underway.family)


def _remedy_done(underway: Underway, details: dict, people: People) -> None:
    promise = next(
        remedy
        for remedy in casework.outstanding_remedies(underway.case)
        if remedy.description == details["description"]
    )
    casework.update_remedy(
        underway.case,
        underway.staff(people),
        promise.id,
        done=True,
        on=plans.london_day(utcnow()),
        note=details.get("note", ""),
        new_due_on=None,
    )


ACTIONS: dict[str, Callable[[Underway, dict, People], None]] = {
    plans.ACKNOWLEDGE: _acknowledge,
    plans.REPLY: _reply,
    plans.EXTEND: _extend,
    plans.RESPOND: _respond,
    plans.CLOSE: _close,
    plans.NOT_A_COMPLAINT: _not_a_complaint,
    plans.FAMILY_REPLY: _family_reply,
    plans.ESCALATE: _escalate,
    plans.REMEDY_DONE: _remedy_done,
}


@contextmanager
def mail_marked_sent() -> Iterator[None]:
    """Mark the email queued inside the block as delivered at the moment it was queued."""
    queued: list[OutboxMessage] = []

    def collect(session, instance) -> None:
        if isinstance(instance, OutboxMessage):
            queued.append(instance)

    session = db.session()
    sa.event.listen(session, "transient_to_pending", collect)
    try:
        yield
    finally:
        sa.event.remove(session, "transient_to_pending", collect)
    db.session.flush()
    ids = [message.id for message in queued]
    for start in range(0, len(ids), 500):
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids[start : start + 500]))
            .values(
                status=SENT,
                attempts=1,
                first_attempt_at=OutboxMessage.created_at,
                last_attempt_at=OutboxMessage.created_at,
                sent_at=OutboxMessage.created_at,
                next_attempt_at=None,
                # As when really sent: only the delivery record is kept.
                body=None,
            ),
            execution_options={"synchronize_session": False},
        )
    for message in queued:
        db.session.expire(message)
