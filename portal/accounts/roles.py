"""The roles a user can hold, and what they are called on screen."""

PARENT = "parent"
YOUTH = "youth"
CASEWORKER = "caseworker"
MANAGER = "manager"
ADMIN = "admin"

LABELS = {
    PARENT: "Parent or carer",
    YOUTH: "Youth forum member",
    CASEWORKER: "Caseworker",
    MANAGER: "Manager",
    ADMIN: "Administrator",
}
ALL = tuple(LABELS)
SELF_REGISTERED = (PARENT, YOUTH)
STAFF = (CASEWORKER, MANAGER, ADMIN)
