"""The service navigation each role sees. Later features add their pages here."""

from flask import url_for

from portal.accounts import roles

# Shown to everyone: families need neither an account nor to sign in.
PUBLIC_LINKS = [
    ("Give feedback", "feedback.start"),
    ("Follow a case", "feedback_tracking.track"),
    ("Have your say", "consultations.board"),
    ("Take part", "consultations_take_part.index"),
    ("You said, we did", "yousaid.index"),
    ("Improvement plan", "improvement.index"),
]

# (label, endpoint, roles that see it; None means everyone signed in)
LINKS = [
    ("Your cases", "feedback_tracking.my_cases", (roles.PARENT,)),
    ("Cases", "casework.workspace", (roles.CASEWORKER, roles.MANAGER)),
    ("Manage cases", "casework_manage.cases", (roles.MANAGER,)),
    ("Consultations", "consultations_manage.index", (roles.MANAGER,)),
    ("You said, we did", "yousaid_manage.index", (roles.MANAGER,)),
    ("Improvement plan", "improvement_manage.index", (roles.MANAGER,)),
    ("Termly updates", "reports_updates.manage", (roles.MANAGER,)),
    ("Users", "accounts_admin.users", (roles.ADMIN,)),
    ("Email outbox", "accounts_outbox.outbox", (roles.ADMIN,)),
    ("Settings", "accounts_admin.portal_settings", (roles.ADMIN,)),
    ("Retention", "retention.schedule", (roles.ADMIN,)),
    ("Youth members", "accounts_admin.youth_members", (roles.MANAGER, roles.ADMIN)),
    ("Data requests", "rights_requests.requests_list", (roles.MANAGER,)),
    ("Your account", "accounts.account", None),
]


# Where each role lands after signing in, when no page asked for it: the page they came to use.
HOME_FOR_ROLE = {
    roles.PARENT: "feedback_tracking.my_cases",
    roles.YOUTH: "consultations.board",
    roles.CASEWORKER: "casework.workspace",
    roles.MANAGER: "casework_manage.cases",
    roles.ADMIN: "accounts_admin.users",
}


def home_for(user) -> str:
    """The address of ``user``'s own starting page ("Your account" for a role with none)."""
    return url_for(HOME_FOR_ROLE.get(user.role, "accounts.account"))


# A link also marked active on these other pages (a section whose pages share no one prefix).
ACTIVE_UNDER = {
    "casework_manage.cases": (
        "/manage/routing",
        "/manage/templates",
        "/manage/themes",
        "/manage/satisfaction",
        "/manage/survey-comments",
        "/manage/held-mail",
    ),
}


def items_for(user, path: str) -> list[dict]:
    """Navigation items for ``user``, with the one for the current page marked."""
    if not user.is_authenticated:
        links = PUBLIC_LINKS + [("Sign in", "accounts.sign_in")]
    else:
        own = [(label, endpoint) for label, endpoint, allowed in LINKS if allowed is None or user.role in allowed]
        # Staff do not give feedback through their own accounts; families always can.
        links = own if user.is_staff else PUBLIC_LINKS + own
    items = []
    for label, endpoint in links:
        href = url_for(endpoint)
        section = (href, *ACTIVE_UNDER.get(endpoint, ()))
        active = path != href and any(path == prefix or path.startswith(prefix + "/") for prefix in section)
        items.append({"text": label, "href": href, "current": path == href, "active": active})
    return items
