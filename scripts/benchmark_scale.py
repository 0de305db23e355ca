"""Whether the staff and report pages stay flat as cases grow. A benchmark to run by hand.

    .venv/bin/python scripts/benchmark_scale.py [--small 1000] [--large 100000] [--database-url URL]

It builds the schema through the migrations in a database of its own (as
scripts/benchmark_reports.py does, and refusing a database that has tables), seeds the demo and
``--small`` bulk cases, times every page, then adds cases up to ``--large`` and times them again.
For each page it prints the median milliseconds at both sizes, their ratio (large / small), the
number of SQL statements and the table rows it shows at both sizes (a list that is not yet a full
page at the small size has more to render at the large one). The pages must take at most 1.5
times as long, with the same number of statements, at the large size.

The report pages are timed a second way too: each request the first after a change to the
complaint received most recently (moved to another category and committed), as a caseworker's
change would come before a reader. ``--slowest N`` then prints the N statements that recount
takes longest over in this year's report, at the large size.
"""

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from config import database_url as normalise_database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from scripts.benchmark_reports import (  # noqa: E402
    db_name,
    make_app,
    most_answered_consultation,
    prepare_database,
    publish_termly_update,
    route_exists,
    signed_in,
    timed_requests,
)

FLAT = 1.5


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000, help="bulk cases for the first timing (default 1000)")
    parser.add_argument("--large", type=int, default=100_000, help="bulk cases for the second timing (default 100000)")
    parser.add_argument("--years", type=float, default=3, help="spread them over this many years (default 3)")
    parser.add_argument("--database-url", help="an empty database to use instead of a new SQLite file")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page, after one warm-up (default 5)")
    parser.add_argument("--batch", type=int, default=5000, help="cases per INSERT batch (default 5000)")
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        help="also print this many of the slowest statements of this year's report read after a change, at the large size",
    )
    return parser.parse_args(argv)


def add_cases(app, count: int, first: int, args) -> float:
    """Write ``count`` bulk cases numbered from ``first`` and ANALYZE (as the daily `database analyze`
    does); returns the seconds taken."""
    from scripts.bulk_history import insert_bulk

    started = time.perf_counter()
    with app.app_context(), app.test_request_context():
        if count:
            insert_bulk(count, days=int(args.years * 365), batch=args.batch, first=first)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


def pages(app) -> list[tuple[str, str, str]]:
    """(label, path, who) for each page to time; who is "public", "manager" or "caseworker".
    The case page shows the same demo case at both sizes."""
    from portal.core.terms import term_of
    from portal.core.time import london_today
    from portal.feedback.models import Case
    from portal.reports import periods

    with app.app_context():
        year = periods.current_year()
        consultation = most_answered_consultation()
        reference = db.session.scalar(
            sa.select(Case.reference).where(Case.submission_key.not_like("bulk-%")).order_by(Case.id).limit(1)
        )
    term = term_of(london_today()).slug
    return [
        ("Caseworker's queue", "/cases", "caseworker"),
        ("Cases (manager)", "/cases", "manager"),
        ("Cases, all open (manager)", "/cases?queue=open", "manager"),
        ("Case page", f"/cases/{reference}", "manager"),
        ("Manage cases", "/manage/cases", "manager"),
        ("Moderation queue", "/manage/consultations/moderation", "manager"),
        ("Consultation results", f"/manage/consultations/{consultation}/results", "manager"),
        ("You Said, We Did", "/you-said-we-did", "public"),
        ("You Said, We Did CSV", "/you-said-we-did.csv", "public"),
        (f"Complaints report {year.short_label}", f"/reports/complaints?year={year.start_year}", "public"),
        (
            f"Complaints report {year.previous().short_label}",
            f"/reports/complaints?year={year.previous().start_year}",
            "public",
        ),
        (f"Complaints report CSV {year.short_label}", f"/reports/complaints.csv?year={year.start_year}", "public"),
        (f"Termly update {term}", f"/updates/{term}", "public"),
    ]


def table_rows(response) -> int:
    """How many table rows the page shows, heading rows included."""
    return response.get_data(as_text=True).count('class="govuk-table__row"')


def time_pages(app, clients: dict, repeat: int) -> dict[str, tuple[float, int, int] | str]:
    """label -> (median ms, most statements, table rows), or a note saying why the page was skipped."""
    with app.app_context():
        engine = db.engine
    timed: dict[str, tuple[float, int, int] | str] = {}
    for label, path, who in pages(app):
        if not route_exists(app, path):
            timed[label] = f"{path.split('?')[0]} is not a route in this copy of the portal"
            continue
        client = clients[who]
        first = client.get(path)
        if first.status_code != 200:
            timed[label] = f"{path} answered {first.status_code}"
            continue
        timings, counts, last = timed_requests(engine, client, path, repeat)
        timed[label] = (statistics.median(timings), max(counts), table_rows(last))
    return timed


def is_report(path: str) -> bool:
    """Whether ``path`` is a page of counted figures, kept between readings."""
    return path.startswith(("/reports/", "/you-said-we-did", "/updates/"))


def change_a_case(app) -> None:
    """Move the complaint received most recently to the next category, and commit."""
    from portal.feedback.models import COMPLAINT, Case, Category

    with app.app_context():
        case = db.session.scalars(
            sa.select(Case).where(Case.kind == COMPLAINT).order_by(Case.received_at.desc()).limit(1)
        ).one()
        categories = db.session.scalars(sa.select(Category.id).order_by(Category.id)).all()
        at = categories.index(case.category_id) if case.category_id in categories else -1
        case.category_id = categories[(at + 1) % len(categories)]
        db.session.commit()


def time_after_a_change(app, clients: dict, repeat: int) -> dict[str, tuple[float, int, int] | str]:
    """label -> (median ms, most statements, table rows) of each report page read just after a
    case changed."""
    with app.app_context():
        engine = db.engine
    timed: dict[str, tuple[float, int, int] | str] = {}
    for label, path, who in pages(app):
        if not is_report(path) or not route_exists(app, path):
            continue
        timings, counts = [], []
        for _ in range(repeat):
            change_a_case(app)
            took, statements, last = timed_requests(engine, clients[who], path, 1)
            timings += took
            counts += statements
        timed[label] = (statistics.median(timings), max(counts), table_rows(last))
    return timed


def slowest_statements(app, client, path: str, repeat: int, count: int) -> list[str]:
    """The ``count`` statements that take longest, by their median milliseconds, when ``path``
    is read just after a case changed: where a recount spends its time."""
    with app.app_context():
        engine = db.engine
    taken: dict[str, list[float]] = {}
    started_at: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started_at[id(context)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        taken.setdefault(statement, []).append((time.perf_counter() - started_at.pop(id(context))) * 1000)

    for _ in range(repeat):
        change_a_case(app)
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        try:
            client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
    ranked = sorted(taken.items(), key=lambda item: -statistics.median(item[1]))[:count]
    # The calendar's rows are a long VALUES list of parameters: shown as one.
    shown = [
        (re.sub(r"(\(\?, \?\), )+\(\?, \?\)", "...", " ".join(statement.split())), times) for statement, times in ranked
    ]
    return [f"{statistics.median(times):9.1f} ms  {statement[:200]}" for statement, times in shown]


def report(small: dict, large: dict, sizes: tuple[int, int]) -> list[str]:
    labels = list(small)
    width = max(len(label) for label in labels)
    a, b = (f"{size:,}" for size in sizes)
    lines = [
        f"{'Page':<{width}}  {'ms @' + a:>11}  {'ms @' + b:>11}  {'ratio':>6}  {'q @' + a:>9}  {'q @' + b:>9}"
        f"  {'rows @' + a:>11}  {'rows @' + b:>11}",
        f"{'-' * width}  {'-' * 11}  {'-' * 11}  {'-' * 6}  {'-' * 9}  {'-' * 9}  {'-' * 11}  {'-' * 11}",
    ]
    notes = []
    for label in labels:
        before, after = small[label], large.get(label)
        if isinstance(before, str) or isinstance(after, str) or after is None:
            notes.append(f"Note: {label}: skipped, {before if isinstance(before, str) else after}")
            continue
        ratio = after[0] / before[0] if before[0] else float("inf")
        mark = "" if ratio <= FLAT and after[1] == before[1] else "  <-- not flat"
        lines.append(
            f"{label:<{width}}  {before[0]:>11.1f}  {after[0]:>11.1f}  {ratio:>5.2f}x  {before[1]:>9}  {after[1]:>9}"
            f"  {before[2]:>11}  {after[2]:>11}{mark}"
        )
    return lines + notes


def main(argv=None) -> None:
    args = parse_args(argv)
    if not 0 < args.small < args.large:
        sys.exit("--small must be positive and less than --large.")
    with tempfile.TemporaryDirectory(prefix="benchmark-scale-") as workdir:
        workdir = Path(workdir)
        url = normalise_database_url(args.database_url) or f"sqlite:///{workdir / 'benchmark.sqlite3'}"
        app = make_app(url, workdir)
        print(f"Database: {db_name(url)}")
        prepare_database(app, reuse=False)
        password = secrets.token_urlsafe(16)
        from portal import demo

        with app.app_context(), app.test_request_context():
            demo.seed(password)
        timings, after_change = {}, {}
        for size, first in ((args.small, 1), (args.large, args.small + 1)):
            print(f"Adding bulk cases up to {size:,}...", flush=True)
            seconds = add_cases(app, size - first + 1, first, args)
            print(f"  done in {seconds:.0f} s", flush=True)
            if first == 1:
                note = publish_termly_update(app)
                if note:
                    print(f"Note: {note}")
            clients = {
                "public": app.test_client(),
                "manager": signed_in(app, "manager@example.org", password),
                "caseworker": signed_in(app, "caseworker@example.org", password),
            }
            timings[size] = time_pages(app, clients, args.repeat)
            after_change[size] = time_after_a_change(app, clients, args.repeat)
        sizes = (args.small, args.large)
        print()
        for line in report(timings[args.small], timings[args.large], sizes):
            print(line)
        print("\nThe first reading after a change to the complaint received most recently:\n")
        for line in report(after_change[args.small], after_change[args.large], sizes):
            print(line)
        if args.slowest:
            from portal.reports import periods

            with app.app_context():
                year = periods.current_year()
            path = f"/reports/complaints?year={year.start_year}"
            print(f"\nThe slowest statements of {path} read after a change, at {args.large:,} cases:\n")
            for line in slowest_statements(app, clients["public"], path, args.repeat, args.slowest):
                print(line)
        print(f"\n{args.repeat} timed requests per page after one warm-up; {db_name(url)}; flat means at most {FLAT}x.")


if __name__ == "__main__":
    main()
