"""A published document's content and its PDF, from one template.

The content partial (the sections, figures and tables) is rendered once to HTML. The public
page shows that HTML inside the site's layout; the print template puts the same HTML in a
plain A4 page of its own, which WeasyPrint draws as a tagged PDF.
"""

from flask import current_app, render_template
from markupsafe import Markup

from portal.core.tagged_pdf import html_to_pdf


def render_document(template: str, **context) -> str:
    """The document's content partial as HTML, to store and to show."""
    return render_template(template, **context).strip()


def print_pdf(template: str, *, content: str, **context) -> bytes:
    """The print template around the stored content, as a tagged PDF whose links point at the
    public site."""
    # The content was rendered by the portal's own templates, with every value escaped.
    html = render_template(template, content=Markup(content), **context)
    return html_to_pdf(html, base_url=current_app.config["PUBLIC_URL"].rstrip("/") + "/")
