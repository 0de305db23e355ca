"""GOV.UK components rendered once for each set of parameters.

A component's macro is a pure function of its parameters: the same radios, with the same answer
chosen, come out the same for every visitor. Rendering one is most of the time a page takes
(the macros build their HTML a few characters at a time), so each process keeps what it rendered
for the parameters it was given, a bounded number of them, and renders again only what it has
not seen.

Two ways in:
- form fields: govuk-frontend-wtf renders each widget through Flask's ``render_template``, which
  also runs every context processor (the navigation, the signed-in person) for a template that
  reads nothing but ``params``; ``install`` points the widgets here instead;
- templates: ``{{ component(govukServiceNavigation, {...}) }}`` for a macro called on every page,
  and ``{{ rendered_once("partials/footer.html") }}`` for a part that reads only the settings.

This session's CSRF token is never kept: a component that holds a form is rendered with
``CSRF_SLOT`` in its place, and the ``with_csrf_token`` filter puts the token in afterwards.
"""

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock

from flask import Flask, current_app
from flask_wtf.csrf import generate_csrf
from govuk_frontend_wtf.gov_form_base import GovFormBase
from jinja2 import pass_context
from markupsafe import Markup

# Enough for every field and navigation of every page in a few states each; a text answer
# typed by one person is in the key too, so the oldest are forgotten.
KEPT = 2048
CSRF_SLOT = "csrf-token-of-this-session"


class RenderedComponents:
    """What one app has rendered, by component and parameters (least recently used forgotten)."""

    def __init__(self, size: int = KEPT):
        self.size = size
        self._kept: OrderedDict[tuple[Hashable, str], Markup] = OrderedDict()
        self._lock = Lock()

    def get_or_render(self, name: Hashable, params, render) -> Markup:
        key = (name, _key_of(params))
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        rendered = Markup(render())
        with self._lock:
            self._kept[key] = rendered
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return rendered


def _key_of(params) -> str:
    """Parameters are plain data (text, numbers, lists and dicts of them), whose repr tells
    apart everything that renders differently, Markup from plain text that reads the same
    included: the macros escape the one and not the other."""
    return repr(params)


def _rendered(app: Flask) -> RenderedComponents:
    return app.extensions["rendered_components"]


def render_widget(widget: GovFormBase, params) -> Markup:
    """A govuk-frontend-wtf widget's HTML: its component template with ``params`` alone."""
    app = current_app._get_current_object()
    template = widget.template
    return _rendered(app).get_or_render(
        template, params, lambda: app.jinja_env.get_template(template).render(params=params)
    )


def component(macro, params) -> Markup:
    """A GOV.UK macro's HTML for ``params``, rendered once (for templates)."""
    return _rendered(current_app._get_current_object()).get_or_render(_name_of(macro), params, lambda: macro(params))


def _name_of(macro):
    # Two templates may each define a macro of the same name: its compiled code tells them apart
    # (code objects are equal only when they do the same), and is kept alive by the key.
    return macro._func.__code__


@pass_context
def rendered_once(context, template: str) -> Markup:
    """An included template that reads nothing but the settings (and addresses), rendered the
    first time it is asked for."""
    return _rendered(current_app._get_current_object()).get_or_render(
        template, None, lambda: context.environment.get_template(template).render(context.get_all())
    )


def with_csrf_token(html: Markup) -> Markup:
    # Asked for only where a form is: making a token starts a session.
    return html.replace(CSRF_SLOT, generate_csrf()) if CSRF_SLOT in html else html


def install(app: Flask) -> None:
    app.extensions["rendered_components"] = RenderedComponents()
    app.add_template_global(component)
    app.add_template_global(rendered_once)
    app.add_template_global(CSRF_SLOT, "csrf_slot")
    app.add_template_filter(with_csrf_token)
    GovFormBase.render = render_widget
