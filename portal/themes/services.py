"""What managers change about the learning themes: add, rename, retire and restore.

Plain functions: each takes what it needs, records what changed in the audit log, and leaves
the commit (or the rollback) to the caller.
"""

from portal.core import audit
from portal.core.names import name_taken
from portal.core.rules import RuleError
from portal.extensions import db
from portal.themes.models import LearningTheme

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "learning_theme.created": "Learning theme added",
    "learning_theme.renamed": "Learning theme renamed",
    "learning_theme.retired": "Learning theme retired",
    "learning_theme.restored": "Learning theme restored",
}


class ThemeError(RuleError):
    """A change to a theme the rules do not allow, in words for the manager."""


def add_theme(actor, name: str) -> LearningTheme:
    if name_taken(LearningTheme, name):
        raise ThemeError("A theme with this name already exists", "name")
    theme = LearningTheme(name=name.strip(), active=True)
    db.session.add(theme)
    audit.record(actor, "learning_theme.created", theme)
    return theme


def rename_theme(actor, theme: LearningTheme, name: str) -> bool:
    """A new name keeps the theme's history: outcomes already tagged move with it."""
    if name_taken(LearningTheme, name, exclude_id=theme.id):
        raise ThemeError("A theme with this name already exists", "name")
    if theme.name == name.strip():
        return False
    theme.name = name.strip()
    audit.record(actor, "learning_theme.renamed", theme)
    return True


def set_theme_active(actor, theme: LearningTheme, active: bool) -> bool:
    """A retired theme is no longer offered when recording outcomes; past outcomes keep it."""
    if theme.active == active:
        return False
    theme.active = active
    audit.record(actor, "learning_theme.restored" if active else "learning_theme.retired", theme)
    return True
