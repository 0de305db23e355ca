"""Small factories for test data. Each returns a plain record, usable outside the app context."""

from dataclasses import dataclass
from itertools import count

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.accounts.services import create_user
from portal.core.time import utcnow
from portal.extensions import db

PASSWORD = "Quiet-Harbour-Violin-73"
_numbers = count(1)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    role: str
    password: str = PASSWORD


def make_user(
    role: str = roles.PARENT,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    confirmed: bool = True,
    approved: bool = True,
    disabled: bool = False,
    team: str | None = None,
    stage_2: bool = False,
) -> Person:
    """Create a user and commit. Call inside an app context. ``stage_2``: a caseworker who
    reviews complaints at stage 2."""
    number = next(_numbers)
    email = email or f"{role}{number}@example.org"
    name = name or f"Test {role.title()} {number}"
    team_row = None
    if team:
        team_row = db.session.scalar(db.select(Team).where(Team.name == team))
        if team_row is None:
            team_row = Team(name=team)
            db.session.add(team_row)
    user = create_user(None, name=name, email=email, role=role, team=team_row, password=password)
    if not confirmed:
        user.email_confirmed_at = None
    if not approved:
        user.approved_at = None
    if disabled:
        user.disabled_at = utcnow()
    if stage_2:
        from portal.casework.models import CaseworkerSettings

        db.session.flush()
        db.session.add(CaseworkerSettings(user_id=user.id, handles_stage_2=True))
    db.session.commit()
    return Person(user.id, user.email, user.name, role, password or "")


def get_user(person: Person) -> User:
    return db.session.get(User, person.id)
