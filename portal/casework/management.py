"""What managers change about casework: where cases are routed, the wording kept for replies,
and which caseworker holds which case.

Plain functions, like services.py: each takes what it needs, records what changed in the audit
log (ids only, never personal data), and leaves the commit (or the rollback) to the caller.
"""

import re

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.casework import routing
from portal.casework.models import CaseworkerSettings, ResponseTemplate
from portal.core import audit, procedures
from portal.core.names import name_taken
from portal.core.rules import RuleError
from portal.extensions import db
from portal.feedback.models import Case, Category

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "category.team_changed": "Category moved to another team",
    "category.procedure_changed": "Category's complaints procedure changed",
    "caseworker.taking_cases_changed": "Taking new cases changed",
    "caseworker.capacity_changed": "Capacity changed",
    "caseworker.stage_2_changed": "Handling stage 2 reviews changed",
    "team.lead_changed": "Team lead changed",
    "team.mailbox_changed": "Team email address changed",
    "response_template.created": "Response template created",
    "response_template.changed": "Response template changed",
    "response_template.deleted": "Response template deleted",
}

MAX_CAPACITY = 200

# What each placeholder in a response template becomes (see services.fill_template).
PLACEHOLDERS = {
    "family_name": "The name of the person who got in touch, or \u201cthere\u201d if they gave none",
    "reference": "The case reference, like CAN-2025-00042",
    "acknowledge_by": "The date the case must be acknowledged by, like 14 March 2025",
    "respond_by": "The date the full response is due, like 28 March 2025",
    "caseworker_name": "The name of the caseworker sending the reply",
    "child_name": "The child's name, or \u201cyour child\u201d if the family gave none",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ManageError(RuleError):
    """A change the rules do not allow, in words for the manager; ``field`` names the form
    field the message belongs next to."""


# --- routing settings ----------------------------------------------------------------------


def set_category_team(actor, category: Category, team: Team) -> bool:
    """Send the category's new cases to ``team``. Cases already open stay where they are."""
    if category.team_id == team.id:
        return False
    audit.record(actor, "category.team_changed", category, old=category.team_id, new=team.id)
    category.team = team
    return True


def set_category_procedure(actor, category: Category, procedure: str) -> bool:
    """The complaints procedure the category's new complaints follow (core.procedures)."""
    if procedure not in procedures.PROCEDURES:
        raise ManageError("Select a complaints procedure", "procedure")
    if category.procedure == procedure:
        return False
    audit.record(actor, "category.procedure_changed", category, old=category.procedure, new=procedure)
    category.procedure = procedure
    return True


def settings_of(caseworker: User) -> CaseworkerSettings | None:
    return db.session.get(CaseworkerSettings, caseworker.id)


def set_caseworker_routing(
    actor, caseworker: User, *, team: Team, accepting: bool, capacity: int, handles_stage_2: bool | None = None
) -> bool:
    """A caseworker's team, whether they take new cases, how many open cases they can hold, and
    whether they review complaints at stage 2 (None: leave as it is). The settings row is made
    the first time anything is saved. Returns whether anything changed."""
    if caseworker.role != roles.CASEWORKER:
        raise ManageError(f"{caseworker.name} is not a caseworker")
    if not 0 <= capacity <= MAX_CAPACITY:
        raise ManageError(f"Capacity must be between 0 and {MAX_CAPACITY}", "capacity")
    changed = False
    if caseworker.team_id != team.id:
        audit.record(actor, "user.team_changed", caseworker, old=caseworker.team_id, new=team.id)
        caseworker.team = team
        changed = True
    settings = settings_of(caseworker)
    old_accepting = settings.accepting_new_cases if settings else True
    old_capacity = settings.capacity if settings else CaseworkerSettings.DEFAULT_CAPACITY
    if settings is None:
        settings = CaseworkerSettings(user_id=caseworker.id, accepting_new_cases=old_accepting, capacity=old_capacity)
        db.session.add(settings)
    if old_accepting != accepting:
        audit.record(actor, "caseworker.taking_cases_changed", caseworker, old=old_accepting, new=accepting)
        settings.accepting_new_cases = accepting
        changed = True
    if old_capacity != capacity:
        audit.record(actor, "caseworker.capacity_changed", caseworker, old=old_capacity, new=capacity)
        settings.capacity = capacity
        changed = True
    if handles_stage_2 is not None and bool(settings.handles_stage_2) != handles_stage_2:
        audit.record(
            actor, "caseworker.stage_2_changed", caseworker, old=bool(settings.handles_stage_2), new=handles_stage_2
        )
        settings.handles_stage_2 = handles_stage_2
        changed = True
    return changed


def set_team_lead(actor, team: Team, lead: User | None) -> bool:
    """The manager told about the team's urgent and overdue cases."""
    if lead is not None and (lead.role != roles.MANAGER or not lead.is_active):
        raise ManageError(f"{lead.name} is not an active manager", "lead")
    new = lead.id if lead else None
    if team.lead_id == new:
        return False
    audit.record(actor, "team.lead_changed", team, old=team.lead_id, new=new)
    team.lead = lead
    return True


def set_team_mailbox(actor, team: Team, mailbox: str | None) -> bool:
    """The address families are told to reply to about the team's cases (None: no replies)."""
    mailbox = (mailbox or "").strip().lower() or None
    if team.mailbox == mailbox:
        return False
    audit.record(actor, "team.mailbox_changed", team, old=team.mailbox, new=mailbox)
    team.mailbox = mailbox
    return True


# --- response templates ---------------------------------------------------------------------


def unknown_placeholders(body: str) -> list[str]:
    """Placeholders the portal would not fill in, in the order they appear: a typo such as
    {famly_name} would otherwise reach a family as typed."""
    found = []
    for name in _PLACEHOLDER.findall(body):
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def placeholder_problem(body: str) -> str | None:
    unknown = ["{" + name + "}" for name in unknown_placeholders(body)]
    if not unknown:
        return None
    listed = unknown[0] if len(unknown) == 1 else ", ".join(unknown[:-1]) + " and " + unknown[-1]
    return (
        f"The template uses {listed}, which {'is not a placeholder' if len(unknown) == 1 else 'are not placeholders'}"
        " the portal fills in. Check the spelling against the list"
    )


def _check_template(name: str, body: str, exclude_id: int | None = None) -> None:
    if name_taken(ResponseTemplate, name, exclude_id):
        raise ManageError("A template with this name already exists", "name")
    problem = placeholder_problem(body)
    if problem:
        raise ManageError(problem, "body")


def create_template(actor, *, name: str, body: str) -> ResponseTemplate:
    _check_template(name, body)
    template = ResponseTemplate(name=name.strip(), body=body.strip())
    db.session.add(template)
    audit.record(actor, "response_template.created", template)
    return template


def change_template(actor, template: ResponseTemplate, *, name: str, body: str) -> bool:
    _check_template(name, body, exclude_id=template.id)
    changed = [
        field for field, value in (("name", name.strip()), ("body", body.strip())) if getattr(template, field) != value
    ]
    if not changed:
        return False
    template.name = name.strip()
    template.body = body.strip()
    audit.record(actor, "response_template.changed", template, fields=changed)
    return True


def delete_template(actor, template: ResponseTemplate) -> None:
    audit.record(actor, "response_template.deleted", template)
    db.session.delete(template)


# --- moving cases ---------------------------------------------------------------------------


class ReassignRefused(ManageError):
    """Some of the cases cannot go to that caseworker: ``refused`` maps case id to why."""

    def __init__(self, refused: dict[int, str]):
        self.refused = refused
        super().__init__("; ".join(refused.values()), "cases")


def reassign(actor, cases: list[Case], caseworker: User, reason: str = "") -> tuple[list[Case], list[Case]]:
    """Give every case in ``cases`` to ``caseworker`` through routing.assign, which keeps the
    rules (an active caseworker; stage 2 not to the stage 1 handler).

    All or nothing: if any case is refused, ReassignRefused says which and why, and the caller
    rolls back so that none has moved. Returns (moved, already theirs)."""
    why = "moved by a manager" + (f": {reason.strip()}" if reason and reason.strip() else "")
    moved, unchanged, refused = [], [], {}
    for case in cases:
        if case.caseworker_id == caseworker.id:
            unchanged.append(case)
            continue
        try:
            routing.assign(case, caseworker, why, actor)
        except routing.AssignmentError as problem:
            refused[case.id] = str(problem)
        else:
            moved.append(case)
    if refused:
        raise ReassignRefused(refused)
    return moved, unchanged
