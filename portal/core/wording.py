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


def in_sentence(name: str | None) -> str:
    """A name as it reads inside a sentence ("about annual reviews", "the Local Offer website").

    Names keep their capitals: acronyms ("EHC needs assessment") and proper names ("SENAR
    North", "Complaint Handling Code") stay as written. The first word loses its capital only
    when it is an ordinary word a sentence would not capitalise: the name has no other
    capitals ("Annual reviews" is "annual reviews"), or the word is an article ("The Local
    Offer website" is "the Local Offer website"). A name that begins with a one-word proper
    noun ("Ofsted visits") cannot be told apart from that and should be written to read well
    both ways.
    """
    name = (name or "").strip()
    first, _, rest = name.partition(" ")
    ordinary = len(first) > 1 and first[0].isupper() and first[1:] == first[1:].lower()
    if ordinary and (rest == rest.lower() or first in ARTICLES):
        return first[0].lower() + name[1:]
    return name


ARTICLES = {"The", "An"}
