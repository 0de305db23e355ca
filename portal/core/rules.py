"""What every domain's rules raise when a change is not allowed, and how a view shows it."""

from wtforms import FieldList, FormField


class RuleError(ValueError):
    """A change the rules do not allow, in words for the person making it; ``field`` names the
    form field the message belongs next to (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _named(fields, name: str):
    """The field whose HTML name is ``name``, looking inside rows of fields (a FieldList or a
    FormField) too: "remedy-0-kind"."""
    for field in fields:
        if field.name == name:
            return field
        if isinstance(field, (FieldList, FormField)) and name.startswith(field.name):
            found = _named(field, name)
            if found is not None:
                return found
    return None


def show_on_form(form, error: RuleError, default_field=None) -> None:
    """Put the error beside its field (or ``default_field``, or the form's first field), so it
    shows there and in the error summary."""
    field = (
        getattr(form, error.field or "", None)
        or (_named(form, error.field) if error.field else None)
        or default_field
        or next(f for f in form if f.name != "csrf_token")
    )
    field.errors = [*field.errors, str(error)]
