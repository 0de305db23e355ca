"""The service navigation each role sees. Later features add their pages here."""

from flask import url_for

from portal.accounts import roles

# (label, endpoint, roles that see it; None means everyone signed in)
LINKS = [
    ("Users", "user_admin.users", (roles.ADMIN,)),
    ("Youth members", "user_admin.youth_members", (roles.MANAGER, roles.ADMIN)),
    ("Your account", "accounts.account", None),
]


def items_for(user, path: str) -> list[dict]:
    """Navigation items for ``user``, with the one for the current page marked."""
    if not user.is_authenticated:
        links = [("Sign in", "accounts.sign_in"), ("Create an account", "accounts.register")]
    else:
        links = [
            (label, endpoint)
            for label, endpoint, allowed in LINKS
            if allowed is None or user.role in allowed
        ]
    items = []
    for label, endpoint in links:
        href = url_for(endpoint)
        items.append({"text": label, "href": href, "current": path == href, "active": path.startswith(href + "/")})
    return items
