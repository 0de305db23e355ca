"""The workspace's lists, built in SQL: queues, filters, search and sorting, a page at a time,
with a fixed number of queries however many cases there are."""

import functools
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa

from portal.accounts import roles
from portal.casework import clocks
from portal.casework.access import visible_to
from portal.casework.services import (
    adjustment_to_arrange_sql,
    cases_with_remedies_overdue,
    remedy_overdue_sql,
    undelivered_sql,
)
from portal.core.complaint_code import STAGES
from portal.core.forms import whole_number
from portal.core.paging import Paged, count_of, count_up_to, page_by_key, shown_count
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import CLOSED, CONSENT_AWAITED, Case

QUEUES = {
    "mine": "My cases",
    "team": "Unassigned",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "open": "All open",
    "support": "Support to arrange",
    "undelivered": "Not delivered",
    "remedies": "Remedies overdue",
    "consent": "Awaiting consent",
    "closed": "Closed",
}
PER_PAGE = 25
# What a family wrote, read on the case page only: a list of 25 cases leaves it in the database.
LONG_TEXTS = (
    Case.what_happened,
    Case.outcome_wanted,
    Case.complaint_understood,
    Case.outcome_understood,
    Case.late_decision_reason,
    Case.contact_address,
)
SEARCHED_COLUMNS = (
    Case.reference,
    Case.contact_name,
    Case.contact_email,
    Case.child_name,
    Case.child_setting,
    Case.what_happened,
    Case.outcome_wanted,
)


# The same expression as the GIN index made in migration 0004, so PostgreSQL can use it.
SEARCH_DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "coalesce(feedback_case.reference, '') || ' ' || coalesce(feedback_case.contact_name, '') || ' ' || "
    "coalesce(feedback_case.contact_email, '') || ' ' || coalesce(feedback_case.child_name, '') || ' ' || "
    "coalesce(feedback_case.child_setting, '') || ' ' || coalesce(feedback_case.what_happened, '') || ' ' || "
    "coalesce(feedback_case.outcome_wanted, ''))"
)


@dataclass
class Filters:
    queue: str = "mine"
    q: str = ""
    stage: str = ""
    status: str = ""
    category: str = ""
    urgent: bool = False
    sort: str = "deadline"


def queue_condition(queue: str, user, on=None, due_soon_by=None):
    """The SQL condition on Case of ``queue`` for ``user``, on the day ``on`` (today). ``on``
    and ``due_soon_by`` may be bound parameters, for a statement built once (queue_counts)."""
    on = london_today() if on is None else on
    due_soon_by = clocks.due_soon_limit(on) if due_soon_by is None else due_soon_by
    deadline = clocks.next_deadline_sql()

    if queue == "mine":
        return sa.and_(Case.is_open, Case.caseworker_id == user.id)
    if queue == "team":
        team = Case.team_id == user.team_id if user.role == roles.CASEWORKER else sa.true()
        return sa.and_(Case.is_open, Case.caseworker_id.is_(None), team)
    # A closed case has no deadline: saying "open" as well lets the partial index of open cases find them.
    if queue == "due_soon":
        return sa.and_(Case.is_open, deadline >= on, deadline <= due_soon_by)
    if queue == "overdue":
        return sa.and_(Case.is_open, deadline < on)
    if queue == "closed":
        return Case.status == CLOSED
    if queue == "remedies":
        return remedy_overdue_sql(on)
    if queue == "support":
        return adjustment_to_arrange_sql()
    if queue == "undelivered":
        return undelivered_sql()
    if queue == "consent":
        # A representative speaks for the family, and the family's consent is not yet recorded.
        return sa.and_(Case.is_open, Case.consent_state == sa.literal_column(f"'{CONSENT_AWAITED}'"))
    return Case.is_open


def search_condition(text: str):
    """Full-text search on PostgreSQL; a case-insensitive match of every word elsewhere."""
    text = text.strip()[:200]
    if not text:
        return sa.true()
    reference = Case.reference == text.upper()
    if db.session.get_bind().dialect.name == "postgresql":
        query = sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), text)
        return sa.or_(reference, sa.literal_column(SEARCH_DOCUMENT).op("@@")(query))
    words = [word for word in text.lower().split() if word]
    return sa.or_(
        reference,
        sa.and_(
            *[
                sa.or_(*[sa.func.lower(column).contains(word, autoescape=True) for column in SEARCHED_COLUMNS])
                for word in words
            ]
        ),
    )


def filtered(filters: Filters, user):
    query = sa.select(Case).where(visible_to(user), queue_condition(filters.queue, user), search_condition(filters.q))
    if filters.stage in {str(stage) for stage in STAGES}:
        query = query.where(Case.stage == int(filters.stage))
    elif filters.stage == "none":
        query = query.where(Case.stage.is_(None))
    if filters.status:
        query = query.where(Case.status == filters.status)
    if whole_number(filters.category) is not None:
        query = query.where(Case.category_id == whole_number(filters.category))
    if filters.urgent:
        query = query.where(Case.urgent.is_(True))
    deadline = clocks.next_deadline_sql()
    if filters.sort == "newest":
        return query.order_by(Case.received_at.desc(), Case.id.desc())
    return query.order_by(deadline.is_(None), deadline, Case.received_at, Case.id)


def cases_page(query, page: int) -> Paged:
    """One page of the cases ``query`` (filtered()) selects, with each one's category,
    caseworker and team: two queries. A page past the end is empty."""
    page = max(page, 1)
    items = db.session.scalars(
        page_by_key(query, Case.id, page, PER_PAGE).options(
            db.joinedload(Case.category),
            db.joinedload(Case.caseworker),
            db.joinedload(Case.team),
            *(db.defer(column, raiseload=True) for column in LONG_TEXTS),
        )
    ).all()
    return Paged(items, count_of(query, Case.id), page, PER_PAGE)


# Queues of cases open or closed, which grow with every year of cases: counted up to a limit.
UNBOUNDED_QUEUES = ("remedies", "closed")


def queue_counts(user) -> dict[str, int]:
    """How many cases each queue holds, in one query: the open ones' from the open cases only,
    closed and remedies overdue up to core.paging.COUNTED_UP_TO (shown as "1,000+" past it)."""
    today = london_today()
    statement = _queue_counts_statement(user.role, user.team_id is not None)
    row = db.session.execute(
        statement,
        {"user_id": user.id, "team_id": user.team_id, "today": today, "due_soon_by": clocks.due_soon_limit(today)},
    ).one()
    counts = dict(row._mapping)
    for queue in UNBOUNDED_QUEUES:
        counts[queue] = shown_count(counts[queue])
    return {queue: counts[queue] for queue in QUEUES}


@functools.cache
def _queue_counts_statement(role: str, has_team: bool):
    """queue_counts' statement for a kind of user, built once: it is on every workspace page,
    and building its nine conditions cost as long as counting them."""
    user = SimpleNamespace(role=role, id=sa.bindparam("user_id"), team_id=sa.bindparam("team_id") if has_team else None)
    on = sa.bindparam("today", type_=sa.Date)
    due_soon_by = sa.bindparam("due_soon_by", type_=sa.Date)
    counted = [
        sa.func.count(sa.case((queue_condition(queue, user, on, due_soon_by), 1))).label(queue)
        for queue in QUEUES
        if queue not in UNBOUNDED_QUEUES
    ]
    counted += [
        count_up_to(cases_with_remedies_overdue(on).where(visible_to(user))).label("remedies"),
        count_up_to(sa.select(Case.id).where(visible_to(user), Case.status == CLOSED)).label("closed"),
    ]
    return sa.select(*counted).select_from(Case).where(visible_to(user), Case.is_open)
