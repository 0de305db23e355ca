"""flask commands: seed-demo, users, outbox, sla, feedback, retention, database, alerts, mail, improvement. (db comes from Flask-Migrate.)"""

from contextlib import contextmanager

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.accounts import roles
from portal.accounts.passwords import password_problem
from portal.extensions import db


@contextmanager
def link_context():
    """A request context on the public address, for the templates of email sent from the
    command line (the links themselves come from PUBLIC_URL whatever the context)."""
    app = current_app
    with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        yield


def _check_password(password: str, *inputs: str) -> None:
    problem = password_problem(password, user_inputs=inputs)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")


@click.command("seed-demo")
@click.option("--password", envvar="DEMO_PASSWORD", required=True, help="Password for every demo account.")
@with_appcontext
def seed_demo(password: str) -> None:
    """Add the demo data: teams, categories, accounts, cases with their history, consultations and
    You Said, We Did. Running it again changes nothing."""
    from portal import demo

    if not current_app.config["DEMO_ACCOUNTS_ALLOWED"]:
        raise click.ClickException(
            "seed-demo makes accounts anyone can sign in to (their password and authenticator key are "
            "published), so it does not run in production. For a training copy, set DEMO_ACCOUNTS_ALLOWED=true."
        )
    _check_password(password)
    with link_context():
        accounts = demo.seed(password)
    click.echo(f"Demo accounts (each signs in with the password {password}):")
    for user, created in accounts:
        note = "" if created else "  (already there, left as it was)"
        click.echo(f"  {user.email:<26} {user.role_label}{note}")
    click.echo(
        "Staff accounts then ask for a code from an authenticator app: add the key "
        f"{demo.DEMO_APP_SECRET} to one, or run `flask --app wsgi demo-code` to see the code now."
    )
    phone_only = demo.phone_only_case()
    if phone_only:
        reference, phone = phone_only
        click.echo(
            f"A family with only a phone number follows case {reference} at /track: give it with {phone}, "
            "run `flask --app wsgi outbox send`, and type the code from the newest "
            f"{current_app.config['MAIL_DIR']}/outbox-*.txt."
        )


@click.command("demo-code")
def demo_code() -> None:
    """The code an authenticator app holding the demo staff accounts' key shows now."""
    from portal import demo
    from portal.accounts import two_factor

    click.echo(two_factor.current_code(demo.DEMO_APP_SECRET))


users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(roles.ALL))
@click.option("--password", help="Leave out to email the person a link to set their own.")
def create_user_command(email: str, name: str, role: str, password: str | None) -> None:
    """Create an account (confirmed and approved)."""
    from portal.accounts.services import create_user, find_user_by_email

    if find_user_by_email(email) is not None:
        raise click.ClickException(f"An account with the email address {email} already exists")
    if password is not None:
        _check_password(password, name, email)
    with link_context():
        user = create_user(None, name=name, email=email, role=role, password=password)
        db.session.commit()
    click.echo(f"Created {user.role_label.lower()} account {user.email}")


outbox = AppGroup("outbox", help="The email outbox.")


@outbox.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in one run.")
def send_outbox(limit: int) -> None:
    """Deliver pending messages that are due through GOV.UK Notify when NOTIFY_API_KEY is set,
    else over SMTP (or to instance/mail/ when MAIL_SERVER is not set); what does not go is
    tried again later, for a day."""
    from portal.notifications.services import send_pending

    counts = send_pending(limit=limit)
    click.echo(f"Sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}.")


@outbox.command("retry")
@click.option("--id", "message_id", type=click.IntRange(min=1), help="Only this failed message.")
def retry_outbox(message_id: int | None) -> None:
    """Put failed email back in the queue, due now with its attempts reset (after fixing
    whatever made it fail). The next `outbox send` delivers it."""
    from portal.notifications.services import retry_failed

    count = retry_failed(message_id)
    db.session.commit()
    if message_id is not None and not count:
        raise click.ClickException(f"There is no failed message with the id {message_id}")
    click.echo(f"Queued {count} failed message{'' if count == 1 else 's'} to send again.")


sla = AppGroup("sla", help="The Complaint Handling Code's clocks.")


@sla.command("remind")
def sla_remind() -> None:
    """Email caseworkers about cases due within 2 working days and team leads about overdue
    ones, once per case and deadline. Run it from cron; running it again sends nothing twice."""
    from portal.casework.reminders import send_reminders

    with link_context():
        counts = send_reminders()
        db.session.commit()
    click.echo(
        f"Reminded caseworkers of {counts['due_soon']} case(s) due soon and team leads of {counts['overdue']} overdue."
    )


feedback = AppGroup("feedback", help="Families' feedback.")


@feedback.command("purge-drafts")
def purge_drafts_command() -> None:
    """Delete unfinished feedback (and its files) not touched for 24 hours. Run it daily."""
    from portal.feedback.services import purge_drafts

    count = purge_drafts()
    db.session.commit()
    click.echo(f"Deleted {count} unfinished draft(s).")


alerts = AppGroup("alerts", help="Consultation alerts to parents and youth forum members.")


@alerts.command("send")
def send_alerts() -> None:
    """Queue the consultation alerts due today (openings, closing soon), on Mondays the weekly
    digests, and reminders to everyone with a place on something tomorrow. Run it daily from
    cron; running it again sends nothing twice."""
    from portal.consultations.alerts import send_due
    from portal.consultations.take_part import send_reminders
    from portal.core.time import london_today

    with link_context():
        today = london_today()
        counts = send_due(today)
        reminded = send_reminders(today)
        db.session.commit()
    click.echo(
        f"Queued {counts['opening']} opening and {counts['closing']} closing-soon alert(s), "
        f"and {counts['digests']} weekly digest(s). Reminded {reminded} person(s) of a place tomorrow."
    )


retention = AppGroup("retention", help="The retention schedule (/admin/retention).")


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Only list what would be anonymised or deleted; change nothing.")
def apply_retention(dry_run: bool) -> None:
    """Anonymise or delete every record past its retention period. Run it daily from cron;
    running it again changes nothing more, and a second copy running at once does nothing."""
    from portal.retention.apply import AlreadyRunning, run
    from portal.retention.report import lines_for

    try:
        report = run(dry_run=dry_run)
    except AlreadyRunning:
        click.echo("Another retention run has not finished, so this one changed nothing.")
        return
    for line in lines_for(report):
        click.echo(line)


database = AppGroup("database", help="The database itself.")


@database.command("analyze")
def analyze_database() -> None:
    """Refresh the statistics the database's query planner chooses indexes by. Run it daily from
    cron: SQLite keeps none until asked, and without them chooses to read all of a caseworker's
    cases, open or closed, to count their queues (PostgreSQL refreshes its own as well)."""
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    click.echo("Refreshed the query planner's statistics.")


mail = AppGroup("mail", help="Families' email replies.")


@mail.command("fetch")
def mail_fetch() -> None:
    """Read the replies mailbox (MAIL_INBOX_*): each new reply to a case email joins its case,
    or is held for staff (/manage/held-mail). Run it from cron; running it again adds
    nothing twice."""
    from sqlalchemy.exc import IntegrityError

    from portal.feedback import inbound_mail
    from portal.feedback.models import InboundMail

    if not inbound_mail.inbox_configured():
        click.echo("No inbox is configured (set MAIL_INBOX_HOST): no mail was fetched.")
        return
    counts = dict.fromkeys(InboundMail.OUTCOMES, 0)
    with link_context():
        try:
            for fetched in inbound_mail.new_messages():
                try:
                    record = inbound_mail.receive(fetched)
                    db.session.commit()
                except IntegrityError:  # read at the same moment by another run, which keeps it
                    db.session.rollback()
                    continue
                except Exception:  # noqa: BLE001 - one broken message must not stop the others
                    db.session.rollback()
                    current_app.logger.exception("A message in the replies mailbox could not be handled")
                    record = inbound_mail.record_unreadable(fetched)
                    db.session.commit()
                if record is not None:
                    counts[record.outcome] += 1
        except inbound_mail.InboxError as problem:
            db.session.rollback()
            raise click.ClickException(f"The inbox could not be read: {problem}") from problem
    click.echo(
        f"Added {counts[InboundMail.ADDED]} reply(ies) to their case, held {counts[InboundMail.HELD]} for staff, "
        f"ignored {counts[InboundMail.IGNORED]} automatic reply(ies)."
    )


improvement = AppGroup("improvement", help="The improvement plan (/manage/improvement).")


@improvement.command("fill-measures")
@click.option("--term", "slug", help="The term to fill, like autumn-2026 (default: the term before this one).")
def fill_measures(slug: str | None) -> None:
    """Record a term's value of every measure the portal computes itself. Run it once a term has
    ended; running it again records nothing twice. The values show when the plan is next published."""
    from portal.core.terms import parse_term, term_of
    from portal.core.time import london_today
    from portal.improvement.plan import fill_computed_measures

    term = parse_term(slug) if slug else term_of(london_today()).previous()
    if term is None:
        raise click.BadParameter("Give a term like autumn-2026", param_hint="--term")
    count = fill_computed_measures(term)
    db.session.commit()
    click.echo(f"Recorded {count} value(s) for the {term.label}.")


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_code)
    app.cli.add_command(users)
    app.cli.add_command(outbox)
    app.cli.add_command(sla)
    app.cli.add_command(feedback)
    app.cli.add_command(retention)
    app.cli.add_command(database)
    app.cli.add_command(alerts)
    app.cli.add_command(mail)
    app.cli.add_command(improvement)
