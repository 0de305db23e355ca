"""What a browser calls itself (its User-Agent header), in words a person recognises."""

UNKNOWN = "An unknown browser"

# (what a User-Agent contains, what the browser is called), first match wins. Edge, Opera and
# Samsung Internet also say "Chrome" and "Safari", and Chrome says "Safari": the more particular
# ones come first.
BROWSERS = (
    (("Edg/", "Edge/", "EdgA/", "EdgiOS/"), "Edge"),
    (("OPR/", "Opera"), "Opera"),
    (("SamsungBrowser/",), "Samsung Internet"),
    (("Firefox/", "FxiOS/"), "Firefox"),
    (("Chrome/", "CriOS/", "Chromium/"), "Chrome"),
    (("Safari/",), "Safari"),
)
SYSTEMS = (
    (("iPhone",), "iPhone"),
    (("iPad",), "iPad"),
    (("Android",), "Android"),
    (("CrOS",), "ChromeOS"),
    (("Windows",), "Windows"),
    (("Macintosh", "Mac OS X"), "Mac"),
    (("Linux",), "Linux"),
)


def _first(user_agent: str, known) -> str | None:
    for marks, name in known:
        if any(mark in user_agent for mark in marks):
            return name
    return None


def describe(user_agent: str | None) -> str:
    """The browser and system in words, like "Firefox on Windows", from a User-Agent header.
    Only the common ones are named, without versions: enough for a person to recognise their
    own phone or laptop in a list, and no more detail about it kept than that."""
    user_agent = (user_agent or "")[:1000]
    browser, system = _first(user_agent, BROWSERS), _first(user_agent, SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return UNKNOWN
