"""Words for families that the services write into a case (acknowledgements, extensions,
responses): Jinja templates under templates/<domain>/messages/, so that the wording can change
without touching the rules."""

from flask import current_app


def render_family_text(name: str, **context) -> str:
    """The plain text of ``templates/<name>``.

    A ``.txt`` template is not HTML-escaped (the same environment as the email templates), so
    an apostrophe or an "&" reaches the family as typed; the page that shows the text escapes it.
    It is rendered without the pages' context processors, which need a request: the words are
    the same from a page, a command or a test. The line breaks a template's layout leaves at
    either end are trimmed.
    """
    return current_app.jinja_env.get_template(name).render(**context).strip()
