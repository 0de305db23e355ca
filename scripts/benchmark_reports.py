"""How long the report pages take with many cases. A benchmark to run by hand, not a timed test.

    .venv/bin/python scripts/benchmark_reports.py [--cases 100000] [--database-url URL] [--reuse]

It builds the schema through the migrations in a database of its own (by default a new SQLite
file in a temporary directory; with --database-url, that database, which must have no tables
unless --reuse is given, so that nobody adds 100,000 invented cases to real data), seeds the
demo (teams, categories, themes, accounts, cases, consultations, You Said / We Did entries) and
then ``--cases`` invented cases spread over ``--years`` years, written in bulk by
scripts/bulk_history.py. A manager signs in through the test client and each report page is
fetched ``--repeat`` times after one warm-up request. It prints, for each page,
the median time in milliseconds and the number of SQL statements the page sent (counted with
SQLAlchemy's before_cursor_execute event).

Pages that do not exist in this copy of the portal are skipped with a note.
"""

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from config import database_url as normalise_database_url  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases to add in bulk (default 100000)")
    parser.add_argument(
        "--years", type=float, default=3, help="spread them over this many years before today (default 3)"
    )
    parser.add_argument(
        "--database-url", help="a database to use instead of a new SQLite file (PostgreSQL: postgresql://...)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="use a database that already has tables, adding to what is there"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page, after one warm-up (default 5)")
    parser.add_argument("--batch", type=int, default=5000, help="cases per INSERT batch (default 5000)")
    parser.add_argument("--no-analyze", action="store_true", help="do not ANALYZE the database after seeding")
    return parser.parse_args(argv)


def make_app(url: str, workdir: Path):
    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_DIR=str(workdir / "mail"),
        # The benchmark signs in through the test client, which sends no CSRF token.
        WTF_CSRF_ENABLED=False,
        RATELIMIT_STORAGE_URI="memory://",
        DEBUG=False,
    )


def prepare_database(app, reuse: bool) -> None:
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        if tables and not reuse:
            sys.exit(
                f"The database at {db.engine.url.render_as_string(hide_password=True)} already has {len(tables)} tables. "
                "The benchmark adds thousands of invented cases: point it at an empty database, "
                "or give --reuse to add them to this one."
            )
        flask_migrate.upgrade()


def seed(app, args, password: str) -> dict:
    from portal import demo
    from portal.feedback.models import Case
    from scripts.bulk_history import insert_bulk

    with app.app_context(), app.test_request_context():
        started = time.perf_counter()
        demo.seed(password)
        demo_seconds = time.perf_counter() - started

        started = time.perf_counter()
        first = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.submission_key.like("bulk-%"))) + 1
        step = max(args.cases // 10, 1)

        def progress(done: int) -> None:
            if done % step < args.batch or done == args.cases:
                print(f"  {done:>9,} cases written ({time.perf_counter() - started:.0f} s)", flush=True)

        if args.cases:
            insert_bulk(
                args.cases,
                days=int(args.years * 365),
                batch=args.batch,
                first=first,
                progress=progress,
            )
        bulk_seconds = time.perf_counter() - started

        started = time.perf_counter()
        if not args.no_analyze:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        analyze_seconds = time.perf_counter() - started
        return dict(demo=demo_seconds, bulk=bulk_seconds, analyze=analyze_seconds)


def publish_termly_update(app) -> str | None:
    """Publish the current term's update, if this copy of the portal has termly updates.
    Returns a note when it could not."""
    try:
        from portal.core.terms import term_of
        from portal.reports import termly
    except ImportError:
        return "termly updates are not in this copy of the portal"
    from portal.accounts.models import User
    from portal.core.time import london_today

    with app.app_context(), app.test_request_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
        term = term_of(london_today())
        try:
            if termly.published_update(term) is None:
                termly.publish(
                    manager,
                    term,
                    london_today(),
                    introduction="What families told us this term, and what we did about it.",
                    priorities="Faster EHC assessments; a named caseworker for every family.",
                )
                db.session.commit()
        except Exception as problem:  # an API still being built: say so and time the rest
            db.session.rollback()
            return f"could not publish the {term.label.lower()} update ({type(problem).__name__}: {problem})"
    return None


def most_answered_consultation() -> int | None:
    """The consultation whose results page has the most to show (in an app context)."""
    from portal.consultations.models import Consultation, Response

    return db.session.scalar(
        sa.select(Consultation.id)
        .outerjoin(Response, Response.consultation_id == Consultation.id)
        .group_by(Consultation.id)
        .order_by(sa.func.count(Response.id).desc(), Consultation.id)
        .limit(1)
    )


def pages(app) -> list[tuple[str, str, str]]:
    """(label, path, who) for each page to time; who is "public" or "manager"."""
    from portal.core.terms import term_of
    from portal.core.time import london_today
    from portal.reports import periods

    with app.app_context():
        year = periods.current_year()
        consultation = most_answered_consultation()
    term = term_of(london_today()).slug
    found = [
        (f"Complaints report {year.short_label}", f"/reports/complaints?year={year.start_year}", "public"),
        (
            f"Complaints report {year.previous().short_label}",
            f"/reports/complaints?year={year.previous().start_year}",
            "public",
        ),
        (f"Complaints report CSV {year.short_label}", f"/reports/complaints.csv?year={year.start_year}", "public"),
        ("You Said, We Did", "/you-said-we-did", "public"),
        ("You Said, We Did CSV", "/you-said-we-did.csv", "public"),
        ("You Said, We Did JSON", "/you-said-we-did.json", "public"),
        ("You Said, We Did Atom feed", "/you-said-we-did/feed.atom", "public"),
        ("Consultations board", "/consultations", "public"),
        ("Consultation results (manager)", f"/manage/consultations/{consultation}/results", "manager"),
        ("Cases (manager)", "/cases", "manager"),
        ("Cases, all open (manager)", "/cases?queue=open", "manager"),
        ("Manage cases (manager)", "/manage/cases", "manager"),
        (f"Termly update {term}", f"/updates/{term}", "public"),
        (f"Termly update {term} PDF", f"/updates/{term}.pdf", "public"),
    ]
    return found


def route_exists(app, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.split("?")[0], method="GET")
    except Exception:
        return False
    return True


def signed_in(app, email: str, password: str):
    """A client signed in as a demo staff account: password, then the demo's authenticator code
    (waiting for the next code if this one was used moments ago, as each code works once)."""
    from portal.demo.accounts import DEMO_APP_SECRET

    client = app.test_client()
    for _ in range(2):
        answer = client.post("/sign-in", data={"email": email, "password": password})
        if answer.status_code != 302:
            sys.exit(f"Could not sign in as {email} (status {answer.status_code}).")
        if client.post("/sign-in/code", data={"code": pyotp.TOTP(DEMO_APP_SECRET).now()}).status_code == 302:
            return client
        time.sleep(31 - time.time() % 30)
    sys.exit(f"The authenticator code for {email} was refused.")


def timed_requests(engine, client, path: str, repeat: int) -> tuple[list[float], list[int], object]:
    """Ask for ``path`` ``repeat`` times: the milliseconds and the SQL statements of each, and
    the last response."""
    statements, timings, counts = [], [], []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(statements))
            assert response.status_code == 200, (path, response.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return timings, counts, response


def time_pages(app, password: str, repeat: int) -> tuple[list[tuple], list[str]]:
    public = app.test_client()
    manager = signed_in(app, "manager@example.org", password)
    with app.app_context():
        engine = db.engine
    rows, notes = [], []
    for label, path, who in pages(app):
        if not route_exists(app, path):
            notes.append(f"{label}: skipped, {path.split('?')[0]} is not a route in this copy of the portal")
            continue
        client = manager if who == "manager" else public
        first = client.get(path)
        if first.status_code != 200:
            notes.append(f"{label}: skipped, {path} answered {first.status_code}")
            continue
        timings, counts, response = timed_requests(engine, client, path, repeat)
        rows.append((label, path, statistics.median(timings), max(counts), len(response.data)))
    return rows, notes


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="benchmark-reports-") as workdir:
        workdir = Path(workdir)
        url = normalise_database_url(args.database_url) or f"sqlite:///{workdir / 'benchmark.sqlite3'}"
        app = make_app(url, workdir)
        with app.app_context():
            shown = db.engine.url.render_as_string(hide_password=True)
        print(f"Database: {shown}")
        prepare_database(app, args.reuse)
        password = secrets.token_urlsafe(16)
        print(f"Seeding the demo and {args.cases:,} cases over {args.years:g} years...", flush=True)
        seconds = seed(app, args, password)
        if args.reuse:
            _reset_manager_password(app, password)
        with app.app_context():
            from portal.casework.models import CaseOutcome, DeadlineChange
            from portal.feedback.models import Case

            totals = {
                "cases": db.session.scalar(sa.select(sa.func.count(Case.id))),
                "deadline changes": db.session.scalar(sa.select(sa.func.count(DeadlineChange.id))),
                "outcomes": db.session.scalar(sa.select(sa.func.count(CaseOutcome.id))),
            }
        print(
            f"Seeded in {seconds['demo']:.1f} s (demo) + {seconds['bulk']:.1f} s (bulk) + {seconds['analyze']:.1f} s (ANALYZE): "
            + ", ".join(f"{value:,} {name}" for name, value in totals.items())
        )
        note = publish_termly_update(app)
        notes = [note] if note else []
        rows, skipped = time_pages(app, password, args.repeat)
        notes += skipped

        width = max(len(row[0]) for row in rows) if rows else 20
        print()
        print(f"{'Page':<{width}}  {'median ms':>9}  {'queries':>7}  {'bytes':>9}")
        print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 9}")
        for label, _, median, queries, size in rows:
            print(f"{label:<{width}}  {median:>9.1f}  {queries:>7}  {size:>9,}")
        print(f"\n{args.repeat} timed requests per page after one warm-up; {db_name(url)}.")
        for note in notes:
            print(f"Note: {note}")


def _reset_manager_password(app, password: str) -> None:
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password

    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
        manager.password_hash = hash_password(password)
        db.session.commit()


def db_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite" if url.startswith("sqlite") else url.split(":")[0]


if __name__ == "__main__":
    main()
