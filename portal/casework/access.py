"""Which cases a member of staff may see: caseworkers their team's (and their own), managers all,
and nobody a complaint about themselves. Everything else answers 404, so nobody learns that a
reference exists."""

import sqlalchemy as sa
from flask import abort

from portal.accounts import roles
from portal.extensions import db
from portal.feedback.models import Case

CASE_STAFF = (roles.CASEWORKER, roles.MANAGER)


def visible_to(user):
    """A SQL condition selecting the cases ``user`` may see. Nobody sees a complaint about
    themselves (Code 5.4), whatever their role."""
    not_about_them = sa.or_(Case.about_staff_id.is_(None), Case.about_staff_id != user.id)
    if user.role == roles.MANAGER:
        return not_about_them
    if user.role == roles.CASEWORKER:
        conditions = [Case.caseworker_id == user.id]
        if user.team_id is not None:
            conditions.append(Case.team_id == user.team_id)
        return sa.and_(sa.or_(*conditions), not_about_them)
    return sa.false()


def can_see(case: Case, user) -> bool:
    """Whether ``user`` may still see ``case`` (as saved), by the same rule as the lists."""
    return db.session.scalar(sa.select(Case.id).where(Case.id == case.id, visible_to(user))) is not None


def case_or_404(reference: str, user, *options) -> Case:
    case = db.session.scalar(
        sa.select(Case).options(*options).where(Case.reference == (reference or "").upper(), visible_to(user))
    )
    if case is None:
        abort(404)
    return case
