"""Lighthouse's mobile performance and accessibility scores for every public page. A benchmark
to run by hand, not a test.

    .venv/bin/python scripts/lighthouse_public_pages.py [--app-dir DIR] [--reports DIR] [--page PATH]

As scripts/benchmark_throughput.py does (and with its functions), it makes a SQLite database in a
temporary directory, applies the migrations, seeds the demo and serves the portal under gunicorn
in the production configuration. It finds a consultation, a You Said entry and a termly update
from the pages' own links, then runs Lighthouse 12.2.3 against each public page: the start page,
/feedback, the consultation board and a consultation, You said, we did and an entry, the termly
updates and one update, the complaints report, the footer's pages (glossary, accessibility,
privacy, cookies, contact), /track and /sign-in. Lighthouse runs as on a phone (its mobile form
factor and default throttling, categories performance and accessibility) in Debian's chromium
(``CHROME_PATH=/usr/bin/chromium``, ``--headless=new --no-sandbox``).

It prints a table: each page's performance and accessibility scores (0-100), the bytes its first
load transferred without fonts, and the audits that did not pass. The portal's aim is
performance 98 and accessibility 100 on every page, and a first load of at most 60 KB.

Lighthouse is large and no test needs it, so it is not one of the project's dependencies: on its
first run this script installs it with npm into ~/.cache/together-we-can/lighthouse-12.2.3 (or
$XDG_CACHE_HOME/...) and uses that copy afterwards. Needs Node and ``apt-get install -y chromium``.

``--app-dir`` serves another checkout (with its front end built), ``--reports DIR`` keeps each
page's full Lighthouse report as JSON there, and ``--page PATH`` (repeatable) measures only those
addresses.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.benchmark_throughput import (  # noqa: E402
    Page,
    describe_checkout,
    gunicorn,
    portal_environment,
    public_pages,
    seed_database,
    warm_up,
)

LIGHTHOUSE_VERSION = "12.2.3"
CHROME_PATH = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox"
CATEGORIES = ("performance", "accessibility")
# Lighthouse's own threshold for an audit it shows as passed.
PASSED = 0.9
# What every public page must score (issue 15).
AIMS = {"performance": 98, "accessibility": 100}
# Pages whose address does not depend on the demo's content, after those public_pages() finds.
FIXED_PAGES = [
    Page("/updates", "/updates"),
    Page("/glossary", "/glossary"),
    Page("/accessibility", "/accessibility"),
    Page("/privacy", "/privacy"),
    Page("/cookies", "/cookies"),
    Page("/contact", "/contact"),
    Page("/track", "/track"),
    Page("/sign-in", "/sign-in"),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--app-dir", type=Path, default=ROOT, help="the checkout of the portal to serve (default: this one)"
    )
    parser.add_argument("--reports", type=Path, help="keep each page's Lighthouse report (JSON) in this directory")
    parser.add_argument(
        "--page", action="append", dest="paths", metavar="PATH", help="measure only this address (repeatable)"
    )
    return parser.parse_args(argv)


# --- Lighthouse, on demand ---------------------------------------------------------------------


def cache_directory() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "together-we-can" / f"lighthouse-{LIGHTHOUSE_VERSION}"


def lighthouse_command() -> list[str]:
    """Lighthouse's command, installed into the cache directory the first time."""
    directory = cache_directory()
    command = directory / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        if not shutil.which("npm"):
            sys.exit("npm is not installed: Lighthouse runs on Node (apt-get install -y nodejs npm).")
        print(f"Installing Lighthouse {LIGHTHOUSE_VERSION} into {directory} (once)")
        directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(directory),
                "--no-audit",
                "--no-fund",
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return [str(command)]


@dataclass
class Result:
    page: Page
    scores: dict[str, int | None]
    first_load_bytes: int
    failing: list[str]
    error: str = ""


def run_lighthouse(command: list[str], url: str, report: Path) -> dict | None:
    arguments = [
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    done = subprocess.run(command + arguments, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode or not report.exists():
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(report.read_text(encoding="utf-8"))


def first_load_bytes(lhr: dict) -> int:
    """Bytes over the wire for every request the page made, fonts left out."""
    requests = lhr["audits"]["network-requests"].get("details", {}).get("items", [])
    return sum(item.get("transferSize", 0) for item in requests if item.get("resourceType") != "Font")


def failing_audits(lhr: dict) -> list[str]:
    """The audits of the two categories that Lighthouse would not show as passed; a * marks
    those that count toward the category's score (the rest are its advice)."""
    failing = []
    for category in CATEGORIES:
        for reference in lhr["categories"][category]["auditRefs"]:
            audit = lhr["audits"][reference["id"]]
            if audit.get("score") is None or audit["scoreDisplayMode"] in ("manual", "notApplicable", "informative"):
                continue
            if audit["score"] < PASSED:
                shown = audit.get("displayValue", "")
                counted = "*" if reference.get("weight") else ""
                failing.append(f"{counted}{audit['id']}{f' ({shown})' if shown else ''}")
    return failing


def measure(command: list[str], port: int, page: Page, reports: Path) -> Result:
    warm_up(port, page)
    report = reports / f"{page.path.strip('/').replace('/', '_') or 'start'}.json"
    lhr = run_lighthouse(command, f"http://127.0.0.1:{port}{page.path}", report)
    if lhr is None:
        return Result(page, {}, 0, [], "Lighthouse failed")
    if lhr.get("runtimeError"):
        return Result(page, {}, 0, [], lhr["runtimeError"].get("message", "runtime error"))
    scores = {category: score_of(lhr["categories"][category]) for category in CATEGORIES}
    return Result(page, scores, first_load_bytes(lhr), failing_audits(lhr))


def score_of(category: dict) -> int | None:
    """0-100, as Lighthouse shows it; None where it could not score the category."""
    return None if category["score"] is None else round(100 * category["score"])


# --- The table -----------------------------------------------------------------------------------


def label_of(page: Page) -> str:
    return page.path if page.label == page.path else f"{page.label} ({page.path})"


def print_header(width: int) -> None:
    print(
        f"\n{'page':<{width}} {'perf':>4} {'a11y':>4} {'first load':>10}  audits not passed (* counts toward the score)"
    )


def print_result(result: Result, width: int) -> None:
    label = label_of(result.page)
    if result.error:
        print(f"{label:<{width}} {'-':>4} {'-':>4} {'-':>10}  {result.error}")
        return
    score = {category: "-" if value is None else str(value) for category, value in result.scores.items()}
    size = f"{result.first_load_bytes / 1024:.1f} KiB"
    failing = ", ".join(result.failing)
    print(f"{label:<{width}} {score['performance']:>4} {score['accessibility']:>4} {size:>10}  {failing}")
    sys.stdout.flush()


def pages_to_measure(port: int, paths: list[str] | None) -> list[Page]:
    # The PDF of a termly update is a document, not a page Lighthouse can score.
    found = [page for page in public_pages(port) if not page.path.endswith(".pdf")]
    pages = {page.path: page for page in found + FIXED_PAGES}
    return [pages.get(path, Page(path, path)) for path in paths] if paths else list(pages.values())


def main(argv=None) -> None:
    args = parse_args(argv)
    if not Path(CHROME_PATH).exists():
        sys.exit(f"{CHROME_PATH} is missing: apt-get install -y chromium (Debian), then run this again.")
    command = lighthouse_command()
    app_dir = args.app_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as temporary:
        workdir = Path(temporary)
        reports = args.reports.resolve() if args.reports else workdir / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        env = portal_environment(workdir, "http://127.0.0.1")
        seed_database(app_dir, env)
        print(f"Portal at {app_dir}: {describe_checkout(app_dir)}")
        print(f"Lighthouse {LIGHTHOUSE_VERSION}, mobile, default throttling, in {CHROME_PATH}; SQLite demo data")
        # Lighthouse slows the CPU it finds by a fixed factor: a busy machine scores lower.
        print(f"Load average before starting: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        with gunicorn("wsgi:app", app_dir, env, "/healthz") as port:
            pages = pages_to_measure(port, args.paths)
            width = max(len(label_of(page)) for page in pages)
            print_header(width)
            results = []
            for page in pages:
                results.append(measure(command, port, page, reports))
                print_result(results[-1], width)
        print_summary(results)
        if args.reports:
            print(f"\nReports kept in {reports}")


def print_summary(results: list[Result]) -> None:
    short = [
        result.page.path
        for result in results
        if result.error or any((result.scores.get(category) or 0) < aim for category, aim in AIMS.items())
    ]
    aims = " and ".join(f"{category} {aim}" for category, aim in AIMS.items())
    print(f"\n{len(results) - len(short)} of {len(results)} pages at {aims} or more")
    if short:
        print(f"Below: {', '.join(short)}")


if __name__ == "__main__":
    main()
