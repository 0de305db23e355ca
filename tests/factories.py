"""Small factories for test data. Each returns a plain record, usable outside the app context."""

import re
from dataclasses import dataclass
from itertools import count

import pyotp

from portal.accounts import roles, two_factor
from portal.accounts.models import Team, TwoFactor, User
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
    # The secret of their authenticator app, when they have set one up (every staff member).
    app_secret: str | None = None


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
    two_factor_set_up: bool | None = None,
) -> Person:
    """Create a user and commit. Call inside an app context. ``stage_2``: a caseworker who
    reviews complaints at stage 2. Staff have set up two-factor authentication, as they must,
    unless ``two_factor_set_up=False``; others have not, unless it is True."""
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
    db.session.flush()
    secret = None
    if role in roles.STAFF if two_factor_set_up is None else two_factor_set_up:
        secret = pyotp.random_base32()
        db.session.add(TwoFactor(user_id=user.id, secret=two_factor._sealed(secret)))
    db.session.commit()
    return Person(user.id, user.email, user.name, role, password or "", secret)


def app_code(app, email: str) -> str:
    """The code the person's authenticator app shows now (read from their stored secret). Each
    code signs in once, so the last one used is forgotten first: a test may sign the same person
    in twice within 30 seconds."""
    with app.app_context():
        found = db.session.scalar(
            db.select(TwoFactor).join(User, User.id == TwoFactor.user_id).where(User.email == email)
        )
        assert found is not None, f"{email} has not set up two-factor authentication"
        found.last_step = None
        secret = two_factor._opened(found.secret)
        db.session.commit()
    return two_factor.current_code(secret)


def give_app_code(client, response, email: str):
    """After the password, the second step for someone with an authenticator app; the
    response to the last step taken."""
    if response.status_code != 302 or not response.headers["Location"].startswith("/sign-in/code"):
        return response
    form = client.get("/sign-in/code").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    data = {"code": app_code(client.application, email)} | ({"csrf_token": token.group(1)} if token else {})
    return client.post("/sign-in/code", data=data)


def get_user(person: Person) -> User:
    return db.session.get(User, person.id)
