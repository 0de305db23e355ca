"""The Jinja environment the portal renders with: Flask's, with its globals quicker to compare.

Each ``{% from "…" import … %}`` compares the names the page was given with the names the
imported template sees (``ctx.globals_keys - template.globals.keys()``). Jinja keeps a
template's globals as a ChainMap over the environment's, whose key view answers each ``in``
by asking every map in turn: a GOV.UK page imports a dozen macro files, so that comparison was
a tenth of the time a page took. The key view here is a plain set, made when asked for, so it
still sees globals added later.
"""

from collections import ChainMap

from flask.templating import Environment


class TemplateGlobals(ChainMap):
    def keys(self):
        return set(self)


class PortalEnvironment(Environment):
    def make_globals(self, d):
        return TemplateGlobals(d or {}, self.globals)
