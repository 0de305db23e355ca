"""Demo content for a laptop or a training copy: teams, categories and the demo accounts.
Every function here is idempotent: running seed-demo twice changes nothing."""

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.accounts.services import create_user, find_user_by_email
from portal.extensions import db
from portal.feedback.models import Category

TEAMS = ["SENAR North", "SENAR South", "SENAR East", "SENAR West", "Travel Assist", "Commissioning"]

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


def seed_teams() -> dict[str, Team]:
    existing = {team.name: team for team in db.session.scalars(db.select(Team))}
    for name in TEAMS:
        if name not in existing:
            existing[name] = Team(name=name)
            db.session.add(existing[name])
    return existing


def seed_categories(teams: dict[str, Team]) -> None:
    existing = set(db.session.scalars(db.select(Category.name)))
    for position, (name, team_name) in enumerate(CATEGORIES):
        if name not in existing:
            db.session.add(Category(name=name, team=teams[team_name], position=position))


def seed_accounts(password: str, teams: dict[str, Team]) -> list[tuple[User, bool]]:
    """The demo accounts, each with whether it was made just now."""
    accounts = []
    for email, name, role, team_name in ACCOUNTS:
        user = find_user_by_email(email)
        created = user is None
        if created:
            user = create_user(None, name=name, email=email, role=role, team=teams.get(team_name), password=password)
        accounts.append((user, created))
    return accounts


def seed(password: str) -> list[tuple[User, bool]]:
    from portal.casework.demo import seed_cases
    from portal.casework.demo_history import seed_history
    from portal.consultations.demo import seed_consultations
    from portal.yousaid.demo import seed_termly_update, seed_you_said

    teams = seed_teams()
    seed_categories(teams)
    accounts = seed_accounts(password, teams)
    db.session.flush()
    seed_cases()
    seed_history()
    seed_consultations()
    seed_you_said()
    seed_termly_update()
    db.session.commit()
    return accounts
