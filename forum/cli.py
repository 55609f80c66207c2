"""``flask --app forum …`` commands: demo, users, rooms tick, search, notify, import, export and the
masked-text refresh. (``db`` comes from Flask-Migrate.) Each calls one service and prints what it did."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from forum.config import is_production
from forum.extensions import db
from forum.mail import site_links
from forum.models import Post, Room
from forum.permissions import ASSIGNABLE_ROLES, Role
from forum.services import accounts, demo, legacy_import, notifications
from forum.services.accounts import AccountError

users_cli = AppGroup("users", help="Create and manage user accounts.")


@users_cli.command("create")
@click.option("--handle", required=True, help="Public handle name.")
@click.option("--email", required=True, help="E-mail address (login).")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Password (asked for when not given)."
)
@click.option(
    "--role", type=click.Choice([r.value for r in ASSIGNABLE_ROLES]), default=Role.RESIDENT.value, show_default=True
)
@click.option("--department", "department_name", help="Department name, for --role staff.")
def create_user(handle: str, email: str, password: str, role: str, department_name: str | None) -> None:
    """Create a verified account with a role (the way to make the first admin)."""
    department = None
    if department_name:
        department = next((d for d in _departments() if d.name == department_name), None)
        if department is None:
            raise click.BadParameter(f"no department named {department_name!r}", param_hint="--department")
    try:
        user = accounts.create_user(
            handle, email, password, role=Role(role), department=department, verified=True, allow_reserved=True
        )
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message))
    click.echo(f"created user {user.id}: {user.handle} <{user.email}> role={user.role}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in ASSIGNABLE_ROLES]))
@click.option("--department", "department_name", help="Department name, for role staff.")
def set_role(email: str, role: str, department_name: str | None) -> None:
    """Change the role of the account with EMAIL."""
    user = accounts.user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    department = next((d for d in _departments() if d.name == department_name), None)
    try:
        accounts.set_role(user, Role(role), department)
    except AccountError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"{user.handle}: role={user.role}")


def _departments():
    from forum.services.directory import departments

    return departments()


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo departments and users of every role (local mode only; idempotent)."""
    if is_production(current_app):
        raise click.ClickException("demo data is refused in production mode (HIROBA_MODE=production)")
    users = demo.load()
    click.echo("Demo data loaded. Accounts (local demo only):")
    for u in users:
        dept = f" / {u.department}" if u.department else ""
        note = "" if u.verified else "  (e-mail not verified)"
        click.echo(f"  {u.role.value:<12} {u.email:<26} {u.password:<22} {u.handle}{dept}{note}")


notify_cli = AppGroup("notify", help="Notification e-mails.")


@notify_cli.command("digest")
def notify_digest() -> None:
    """Send the daily digest mails (run once a day from cron or a systemd timer)."""
    with site_links():
        queued = notifications.send_digests()
    click.echo(f"digest mails queued: {queued}")
    _send_outbox(due_only=False)


@notify_cli.command("deadlines")
def notify_deadlines() -> None:
    """Remind department staff of room reports to answer: 7 days and 1 day before, and when overdue
    (run once a day from cron or a systemd timer, like the digest)."""
    from forum.services import deadlines

    with site_links():
        sent = deadlines.send_reminders()
    click.echo(f"deadline reminders: {sent}")
    _send_outbox(due_only=False)


@notify_cli.command("send")
@click.option("--due-only", is_flag=True, help="Skip mails still waiting after a failure (backoff).")
@click.option("--retry-given-up", is_flag=True, help="Also try mails that failed MAIL_MAX_ATTEMPTS times.")
def notify_send(due_only: bool, retry_given_up: bool) -> None:
    """Send the mails waiting in the outbox (run every few minutes from cron or a systemd timer).
    Exits 1 when some could not be sent; they stay for the next run."""
    if _send_outbox(due_only, retry_given_up) is False:
        raise SystemExit(1)


def _send_outbox(due_only: bool, retry_given_up: bool = False) -> bool:
    from forum.services import mailing

    report = mailing.deliver(due_only=due_only, retry_given_up=retry_given_up)
    click.echo(
        f"mails sent: {report.sent}, failed: {report.failed}, waiting: {report.waiting}"
        + (
            f", given up after {current_app.config['MAIL_MAX_ATTEMPTS']} tries: {report.given_up}"
            if report.given_up
            else ""
        )
    )
    return report.failed == 0


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--room", "room_id", type=int, required=True, help="The id of the room to load into.")
@with_appcontext
def import_command(file: Path, room_id: int) -> None:
    """Load a legacy e-conference room's threads and posts from a CSV or JSONL FILE."""
    from forum.views.common import MAX_ID

    room = db.session.get(Room, room_id) if 0 < room_id <= MAX_ID else None
    if room is None:
        raise click.ClickException(f"no room with id {room_id}")
    try:
        result = legacy_import.import_file(file, room)
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror or error}")
    if result.errors:
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(result.errors)} bad line(s); nothing was loaded")
    click.echo(f"imported {result.posts} posts in {result.threads} new threads; {result.skipped} already there")


@click.group("export", invoke_without_command=True)
@click.option("--room", "room_ids", type=int, multiple=True, help="A room id (repeat for more).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "csv-utf8", "broadlistening", "json", "xlsx", "report"]),
    default="csv",
    show_default=True,
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--since", help="First day (YYYY-MM-DD, Japan time).")
@click.option("--until", help="Last day (YYYY-MM-DD, Japan time), included.")
@click.option("--thread", "thread_ids", type=int, multiple=True, help="Only this topic (repeat for more).")
@click.option("--status", "statuses", multiple=True, help="Only topics with this answer status.")
@click.option("--tag", "tags", multiple=True, help="Only opinions with this tag.")
@click.pass_context
@with_appcontext
def export_command(ctx, room_ids, fmt, out, since, until, thread_ids, statuses, tags) -> None:
    """Export the public opinions of rooms (personal information masked), as the department page does.
    ``export run`` runs the background export jobs waiting in the database and removes old files."""
    if ctx.invoked_subcommand is not None:
        return
    if not room_ids or out is None:
        raise click.UsageError("--room and --out are required (or use: export run)")
    from forum.exports.selection import ExportFilter
    from forum.services import exports
    from forum.services.errors import ServiceError
    from forum.services.search import parse_day

    flt = ExportFilter(
        room_ids=tuple(room_ids),
        thread_ids=tuple(thread_ids),
        since=parse_day(since),
        until=parse_day(until, end=True),
        statuses=tuple(statuses),
        tags=tuple(tags),
    )
    try:
        rows = exports.export(None, flt, fmt, out, via="cli")
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"wrote {rows} opinions to {out}")


@export_command.command("refresh-text")
@with_appcontext
def export_refresh_text() -> None:
    """Store the derived copies of every post whose copy is missing or older than the rules that
    made it (after an upgrade): the masked export text and the rendered HTML pages show, so that
    neither exports nor page views work them out each time. ``flask worker`` does it too."""
    from forum.services.posts import refresh_stored_text

    click.echo(f"posts brought up to date: {refresh_stored_text()}")


@export_command.command("run")
@with_appcontext
def export_run() -> None:
    """Run the export jobs waiting in the database, then remove files past EXPORT_KEEP_DAYS
    (for cron, or when EXPORT_WORKER is "none")."""
    from forum.services import export_jobs

    click.echo(f"export jobs run: {export_jobs.run_pending()}")


search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("sync")
def search_sync() -> None:
    """Apply the changes still waiting in the outbox (after a crash, or with auto sync off);
    rebuild the index when an upgrade changed its schema."""
    from forum.search import sync

    waiting = sync.pending()
    rebuilt, done = sync.catch_up()
    if rebuilt:
        click.echo(f"the index was built by an older version: rebuilding it\nindexed {done} posts")
    else:
        click.echo(f"waiting: {waiting}; applied: {done}")


@search_cli.command("rebuild")
def search_rebuild() -> None:
    """Rebuild the index from the database and swap it in atomically."""
    from forum.search import sync
    from forum.search.backend import RebuildFailed

    total = db.session.scalar(select(func.count()).select_from(Post).where(Post.state == "published")) or 0
    with click.progressbar(length=total, label="indexing posts") as bar:
        last = [0]

        def progress(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        try:
            count = sync.rebuild(progress)
        except RebuildFailed as error:
            raise click.ClickException(f"rebuild failed, the old index is kept: {error}") from error
        bar.update(max(total - last[0], 0))
    click.echo(f"indexed {count} posts")


@search_cli.command("check")
def search_check() -> None:
    """Report drift between the database and the index (exit 1 when there is any)."""
    from forum.search import sync

    missing, extra = sync.check()
    click.echo(
        f"missing from the index: {len(missing)}; should not be there: {len(extra)}; outbox waiting: {sync.pending()}"
    )
    for label, ids in (("missing post ids", missing), ("post ids to remove", extra)):
        if ids:
            shown = sorted(ids)
            click.echo(f"{label}: {', '.join(map(str, shown[:50]))}" + (" …" if len(shown) > 50 else ""))
    if missing or extra:
        raise SystemExit(1)


rooms_cli = AppGroup("rooms", help="Rooms and threads over time.")


@rooms_cli.command("tick")
def rooms_tick() -> None:
    """Store what time has changed: rooms whose period ended are closed, thread lock/unlock timers
    that came are applied (audited). Pages already show both; run every few minutes from cron."""
    from forum.services import rooms

    closed, timers = rooms.tick()
    click.echo(f"rooms closed: {closed}; thread timers applied: {timers}")


backup_cli = AppGroup("backup", help="Backups that restore: the database, the instance keys and export files.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(path_type=Path))
def backup_create(path: Path) -> None:
    """Write one archive (PATH, or a new file in the folder PATH) while the site keeps running."""
    from forum import clock
    from forum.services import backup

    if path.is_dir():
        path = path / clock.to_local(clock.now(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).strftime(
            "hiroba-backup-%Y%m%d-%H%M%S.tar.gz"
        )
    manifest = backup.create(path)
    click.echo(f"backup written: {path} ({path.stat().st_size:,} bytes)")
    rows = manifest.rows
    click.echo(
        f"schema {manifest.revision}; posts {rows.get('post', 0)}, users {rows.get('user', 0)}, "
        f"{sum(rows.values())} rows in {len(rows)} tables; {len(manifest.files)} members"
    )
    for name in manifest.keys_from_settings:
        click.echo(f"note: {name} comes from the settings, not instance/: keep it with this backup", err=True)


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_restore(path: Path) -> None:
    """Load an archive into this instance's empty database, then rebuild the search index."""
    from forum.search import sync
    from forum.services import backup
    from forum.services.errors import ServiceError

    try:
        manifest = backup.restore(path)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(
        f"restored: {sum(manifest.rows.values())} rows (schema {manifest.revision}, now upgraded); "
        f"keys: {', '.join(m for m in manifest.files if m.startswith('keys/')) or 'none'}"
    )
    click.echo(f"search index rebuilt: {sync.rebuild()} posts")


@click.command("worker")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between rounds.")
@click.option("--rounds", type=int, default=None, help="Stop after this many rounds (default: until stopped).")
@with_appcontext
def worker_command(interval: float, rounds: int | None) -> None:
    """Do the background work in a loop: rooms and thread timers, the search outbox, the mail
    outbox, export jobs, and once a day the digest and deadline reminders. Stops after the round
    in progress on SIGTERM or Ctrl-C. Run one (or more: they share the work safely)."""
    import signal
    import threading

    from forum.services.worker import Worker

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    done = Worker().run(
        interval,
        stop,
        rounds,
        tell=lambda n, report: click.echo(f"round {n}: " + ", ".join(f"{k} {v}" for k, v in report.items())),
    )
    click.echo(f"worker stopped after {done} rounds")


def register(app: Flask) -> None:
    app.cli.add_command(rooms_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(notify_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_cli)
