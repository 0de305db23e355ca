"""The demo's teams, categories and people: the demo accounts everyone signs in with, and the past
caseworkers of the teams no demo account works in. Idempotent: what is there already is left alone."""

import sqlalchemy as sa

from portal.accounts import roles, two_factor
from portal.accounts.models import Team, User
from portal.accounts.services import create_user, find_user_by_email
from portal.casework.models import CaseworkerSettings
from portal.core import procedures
from portal.extensions import db
from portal.feedback.models import Category

TEAMS = ["SENAR North", "SENAR South", "SENAR East", "SENAR West", "Travel Assist", "Commissioning"]
# Teams whose families can reply to their emails; the others' emails say to reply on the case page.
MAILBOXES = {"SENAR North": "senar.north@example.org"}

# Category, and the team that handles it.
CATEGORIES = [
    ("EHC needs assessment", "SENAR North"),
    ("EHC plan content and quality", "SENAR South"),
    ("Annual reviews", "SENAR East"),
    ("School place and admissions", "SENAR West"),
    ("Home-to-school transport", "Travel Assist"),
    ("Speech and language and other therapies", "Commissioning"),
    ("Communication and named contact", "SENAR North"),
    ("Short breaks and social care", "Commissioning"),
    ("Preparing for adulthood", "SENAR East"),
    ("The Local Offer website", "Commissioning"),
    ("Other", "SENAR West"),
]

# Email, name, role, team.
ACCOUNTS = [
    ("parent@example.org", "Priya Shah", roles.PARENT, None),
    ("parent2@example.org", "Tom Okafor", roles.PARENT, None),
    ("youth@example.org", "Amira Hussain", roles.YOUTH, None),
    ("caseworker@example.org", "Sam Taylor", roles.CASEWORKER, "SENAR North"),
    ("caseworker2@example.org", "Jordan Lee", roles.CASEWORKER, "SENAR South"),
    ("manager@example.org", "Helen Brooks", roles.MANAGER, "SENAR North"),
    ("admin@example.org", "Chris Morgan", roles.ADMIN, None),
]
PARENT_ACCOUNTS = {email for email, _, role, _ in ACCOUNTS if role == roles.PARENT}
# A senior caseworker who reviews complaints at stage 2 (besides the managers).
STAGE_2_HANDLERS = {"caseworker2@example.org"}
MANAGER = "manager@example.org"
# Staff sign in with a code from an authenticator app too. The demo's staff accounts share this
# published key, so anyone trying the demo can add it to an app (or run `flask demo-code`).
DEMO_APP_SECRET = "TOGETHERWECANDEMOSTAFFCODE234567"

# Caseworkers who handle the cases of the teams the demo accounts do not cover. They were invited
# and have set no password, so nobody can sign in as them.
STAFF = [
    ("aisha.rahman@example.org", "Aisha Rahman", "SENAR East"),
    ("ben.carter@example.org", "Ben Carter", "SENAR West"),
    ("dee.forbes@example.org", "Dee Forbes", "Travel Assist"),
    ("gareth.lewis@example.org", "Gareth Lewis", "Commissioning"),
]


def seed_teams() -> dict[str, Team]:
    existing = {team.name: team for team in db.session.scalars(db.select(Team))}
    for name in TEAMS:
        if name not in existing:
            existing[name] = Team(name=name, mailbox=MAILBOXES.get(name))
            db.session.add(existing[name])
    return existing


# Categories whose complaints follow another procedure than the Code.
PROCEDURES = {"Short breaks and social care": procedures.CHILDRENS_SOCIAL_CARE}


def seed_categories(teams: dict[str, Team]) -> None:
    existing = set(db.session.scalars(db.select(Category.name)))
    for position, (name, team_name) in enumerate(CATEGORIES):
        if name not in existing:
            procedure = PROCEDURES.get(name, procedures.CODE)
            db.session.add(Category(name=name, team=teams[team_name], position=position, procedure=procedure))


def seed_accounts(password: str, teams: dict[str, Team]) -> list[tuple[User, bool]]:
    """The demo accounts, each with whether it was made just now."""
    accounts = []
    for email, name, role, team_name in ACCOUNTS:
        user = find_user_by_email(email)
        created = user is None
        if created:
            user = create_user(None, name=name, email=email, role=role, team=teams.get(team_name), password=password)
            if email in STAGE_2_HANDLERS:
                db.session.flush()
                db.session.add(CaseworkerSettings(user_id=user.id, handles_stage_2=True))
        if user.is_staff and not two_factor.is_set_up(user):  # a demo made before staff needed it too
            db.session.flush()
            two_factor.set_up_with(user, DEMO_APP_SECRET)
        accounts.append((user, created))
    return accounts


def seed_staff(teams: dict[str, Team]) -> None:
    """The caseworkers of the teams no demo account works in, invited by email to set a password."""
    for email, name, team_name in STAFF:
        if find_user_by_email(email) is None and team_name in teams:
            create_user(None, name=name, email=email, role=roles.CASEWORKER, team=teams[team_name])


def seed_team_leads() -> None:
    """The demo manager leads every team that has no lead yet."""
    manager = find_user_by_email(MANAGER)
    if manager is not None:
        for team in db.session.scalars(sa.select(Team).where(Team.lead_id.is_(None))):
            team.lead = manager
