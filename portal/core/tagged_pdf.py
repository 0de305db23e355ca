"""Tagged, accessible PDFs drawn by WeasyPrint from an HTML page the portal rendered.

The PDF is PDF/UA-1: its headings, lists and tables are tagged from the HTML's own elements,
and it carries the page's language and <title>. Fonts come from the machine (fontconfig);
nothing is ever fetched over the network, so a document renders the same with no connection
and cannot be made to call out to an address written into it.
"""

from weasyprint import HTML, URLFetcher

PDF_VARIANT = "pdf/ua-1"
# file: for the fonts and style sheets on this machine, data: for anything inlined.
LOCAL_PROTOCOLS = frozenset({"file", "data"})


def offline_fetcher() -> URLFetcher:
    """A fetcher that refuses http and https (and anything else not on this machine)."""
    return URLFetcher(allowed_protocols=LOCAL_PROTOCOLS)


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """The page as a tagged PDF. ``base_url`` makes the page's relative links absolute."""
    document = HTML(string=html, base_url=base_url, url_fetcher=offline_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)
