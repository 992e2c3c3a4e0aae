"""The `clinics` command: the one place that wires the crawler, the directory and the web app."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.dashboard import run_figures
from directory.db import (
    DEFAULT_DATABASE_URL,
    SchemaBehindError,
    make_engine,
    make_sessionmaker,
    require_current_schema,
    upgrade,
)
from directory.models import Clinic, CrawlRun
from directory.sources import Source, SourcesError, load_sources
from directory.vocab import LISTING_KINDS, Role
from localweb import DEFAULT_BASE_PORT

if TYPE_CHECKING:
    from crawler.jobs import JobConfig

DEFAULT_SOURCES = "sources.toml"


@click.group()
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL of the database (default: sqlite:///var/clinics.db).",
)
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """Ketamine clinic directory: crawl, verify and serve licensed clinic listings."""
    context.obj = database_url or DEFAULT_DATABASE_URL


@contextmanager
def _session(url: str, *, check_schema: bool = True) -> Iterator[Session]:
    """A session in one transaction, on a database whose schema is current."""
    engine = make_engine(url)
    try:
        if check_schema:
            require_current_schema(engine)
        with make_sessionmaker(engine).begin() as session:
            yield session
    except SchemaBehindError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()


def _require_current_schema(url: str) -> None:
    """Refuse, with what to run, a database whose schema is behind."""
    with _session(url):
        pass


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(url: str) -> None:
    """Create the schema, or upgrade it to the newest version."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    click.echo("Database schema is up to date.")


def _load_sources(path: str, names: tuple[str, ...]) -> list[Source]:
    """The sources to crawl, or a clear error naming the file, entry and key."""
    try:
        sources = load_sources(path)
    except SourcesError as error:
        raise click.ClickException(str(error)) from None
    if not names:
        return sources
    unknown = sorted(set(names) - {source.name for source in sources})
    if unknown:
        raise click.ClickException(f"{path}: no source named {', '.join(unknown)}")
    return [source for source in sources if source.name in names]


@main.command()
@click.option(
    "--sources",
    "sources_file",
    envvar="CLINICS_SOURCES",
    default=DEFAULT_SOURCES,
    show_default=True,
    help="The sources file.",
)
@click.option("--source", "names", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--verify/--no-verify", default=True, help="Re-verify what changed afterwards.")
@click.pass_obj
def crawl(url: str, sources_file: str, names: tuple[str, ...], verify: bool) -> None:
    """Crawl the declared sources into the database, then re-verify what changed."""
    from crawler.jobs import JobConfig, SourcesBusy, holding
    from crawler.run import crawl as run_crawl
    from crawler.run import project_settings

    sources = _load_sources(sources_file, names)
    with _session(url) as session:
        first_run = (session.scalar(select(func.max(CrawlRun.id))) or 0) + 1
    settings = project_settings(url, sources_file)
    settings.set("CLINICS_PROGRESS", sys.stderr.isatty(), priority="cmdline")
    try:
        with holding(JobConfig(url, sources_file), [source.name for source in sources]):
            run_crawl(sources, settings)
    except SourcesBusy as busy:
        raise click.ClickException(f"already being crawled: {busy}; see `clinics runs`") from None
    with _session(url) as session:
        suspect = [run.source_name for run in _report_runs(session, first_run) if run.suspect]
        if verify and suspect:
            click.echo(f"Verification held back: suspect run(s) of {', '.join(suspect)}.")
        elif verify:
            everything = any(source.kind not in LISTING_KINDS for source in sources)
            _verify(session, date.today(), everything=everything)


def _report_runs(session: Session, first_run: int) -> list[CrawlRun]:
    """One line per crawl run of this invocation, and its findings; the runs."""
    runs = list(
        session.scalars(select(CrawlRun).where(CrawlRun.id >= first_run).order_by(CrawlRun.id))
    )
    for run in runs:
        counts = ", ".join(
            f"{key} {value}"
            for key, value in run.counts.items()
            if not key.startswith("fields/")  # the monitors' per-field tallies, kept in the run
        )
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
        click.echo(f"{run.source_name} ({run.source_kind}): {run.status} in {took:.1f} s; {counts}")
        for finding in run.findings:
            click.echo(f"    {finding}")
    totals = {
        key: sum(run.counts.get(key, 0) for run in runs)
        for key in ("response_received_count", "item_scraped_count")
    }
    click.echo(
        f"Crawled {len(runs)} source(s): pages {totals['response_received_count']}, "
        f"items {totals['item_scraped_count']}, errors {sum(run.error_count for run in runs)}."
    )
    return runs


def _verify(session: Session, as_of: date, *, everything: bool) -> None:
    from directory.licensing import verify_and_notify

    verdicts, told = verify_and_notify(session, as_of, everything=everything)
    summary = ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
    click.echo(f"Verified {sum(verdicts.values())} listing(s): {summary or 'nothing changed'}.")
    if told:
        click.echo(f"Told maintainers of {told} licence change(s).")


sources_option = click.option(
    "--sources",
    "sources_file",
    envvar="CLINICS_SOURCES",
    default=DEFAULT_SOURCES,
    show_default=True,
    help="The sources file.",
)


def _job_config(url: str, sources_file: str) -> "JobConfig":
    """The jobs' configuration, also handed to the crawl processes they start."""
    from crawler.jobs import JobConfig

    os.environ["DATABASE_URL"] = url
    os.environ["CLINICS_SOURCES"] = sources_file
    return JobConfig(database_url=url, sources_file=sources_file)


@main.command()
@sources_option
@click.option("--source", "names", multiple=True, help="Run only this source (repeatable).")
@click.option("--timeout", default=3600, show_default=True, help="Seconds to wait for the runs.")
@click.pass_obj
def dispatch(url: str, sources_file: str, names: tuple[str, ...], timeout: int) -> None:
    """Run sources as the scheduler does: sharded, on Celery workers if REDIS_URL is set."""
    from crawler import jobs
    from crawler.run import ORDER

    sources = _load_sources(sources_file, names)
    config = _job_config(url, sources_file)
    _require_current_schema(url)
    for kind in ORDER:  # listings first: the registry look-ups ask about the clinicians they name
        run_ids = []
        for source in (s for s in sources if s.kind is kind):
            run_id = jobs.dispatch(config, source.name)
            if run_id is None:
                click.echo(f"{source.name}: a run is already under way; not starting another")
            else:
                run_ids.append(run_id)
        for run in jobs.wait_for(config, run_ids, timeout):
            click.echo(_describe_run(run))


def _stop_requests() -> "queue.SimpleQueue[int]":
    """A queue that SIGTERM and Ctrl-C put their number on: a long-running command waits on it.

    Both are set here, as a shell that starts a command in the background leaves SIGINT
    ignored. The handler runs in the main thread, between any two of its steps: a
    threading.Event's set() there deadlocks if the signal comes while wait() holds the Event's
    lock, as it does on its way in. SimpleQueue's put() and get() are reentrant (written in C
    for that).
    """
    stop: queue.SimpleQueue[int] = queue.SimpleQueue()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda number, _frame: stop.put(number))
    return stop


@main.command()
@sources_option
@click.pass_obj
def scheduler(url: str, sources_file: str) -> None:
    """Run every source on its schedule, until stopped (SIGTERM or Ctrl-C)."""
    from crawler.scheduler import start_scheduler

    sources = _load_sources(sources_file, ())
    _require_current_schema(url)
    stop = _stop_requests()
    running = start_scheduler(_job_config(url, sources_file), sources)
    for job in running.get_jobs():
        click.echo(f"{job.name}: next run {job.next_run_time:%Y-%m-%d %H:%M %Z}")
    click.echo("Scheduler running (SIGTERM or Ctrl-C stops it).")
    stop.get()
    click.echo("Stopping the scheduler (running crawls finish first) ...")
    running.shutdown(wait=True)


@main.command()
@sources_option
@click.option("--concurrency", default=1, show_default=True, help="Shards crawled at once.")
@click.pass_obj
def worker(url: str, sources_file: str, concurrency: int) -> None:
    """A Celery worker crawling shards queued on REDIS_URL (run any number, on any machines)."""
    if not os.environ.get("REDIS_URL"):
        raise click.ClickException("set REDIS_URL to the Redis server the scheduler queues on")
    _job_config(url, sources_file)
    from crawler.tasks import app

    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"--hostname=crawler-{os.getpid()}@%h",
            "--loglevel=INFO",
        ]
    )


@main.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--source", "name", default=None, help="Only this source's runs.")
@click.pass_obj
def runs(url: str, limit: int, name: str | None) -> None:
    """Recent crawl runs: source, status, start, duration, pages, items, drops and errors."""
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if name:
        query = query.where(CrawlRun.source_name == name)
    with _session(url) as session:
        for run in session.scalars(query):
            click.echo(_describe_run(run))


def _describe_run(run: CrawlRun) -> str:
    """One line about a run."""
    figures = run_figures(run)
    took = f"{figures.seconds:.1f} s" if figures.seconds is not None else "-"
    line = (
        f"#{run.id} {run.source_name}: {run.status}, started {run.started_at:%Y-%m-%d %H:%M} UTC, "
        f"{took}, pages {figures.pages}, items {figures.items}, drops {figures.drops}, "
        f"errors {figures.errors}"
    )
    return line + "".join(f"\n    {finding}" for finding in run.findings)


@main.command()
@click.option("--all", "everything", is_flag=True, help="Re-verify every listing.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge licences as of this day (default: today).",
)
@click.pass_obj
def verify(url: str, everything: bool, as_of: object) -> None:
    """Give listings their licensing verdicts (those that changed, or --all)."""
    day = as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]
    with _session(url) as session:
        _verify(session, day, everything=everything)


@main.group()
def report() -> None:
    """Reports for maintainers: licence status changes, licences about to expire."""


@report.command("expiring")
@click.option("--days", default=60, show_default=True, type=click.IntRange(1, 3650))
@click.pass_obj
def report_expiring(url: str, days: int) -> None:
    """Active licences that listings rely on and that expire within DAYS."""
    from directory.licensing.monitor import expiring_licences

    with _session(url) as session:
        found = expiring_licences(session, date.today(), days)
    for licence in found:
        click.echo(
            f"{licence.expires}  {licence.clinic_name} (#{licence.clinic_id}): "
            f"{licence.clinician}, {licence.description} ({licence.source})"
        )
    click.echo(f"{len(found)} licence(s) expire within {days} days.")


@report.command("changes")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650))
@click.pass_obj
def report_changes(url: str, days: int) -> None:
    """Licence status changes first seen in the last DAYS days."""
    from directory.licensing.monitor import status_changes

    since = datetime.now(UTC) - timedelta(days=days)
    with _session(url) as session:
        changes = status_changes(session, since)
        for change in changes:
            licence = change.license
            click.echo(
                f"{change.first_seen_new:%Y-%m-%d}  {licence.full_name}, {licence.license_type} "
                f"licence {licence.license_number} in {licence.state} ({licence.source_name}): "
                f"{change.old_status} (last seen {change.last_seen_old:%Y-%m-%d}) -> "
                f"{change.new_status}"
            )
    click.echo(f"{len(changes)} licence status change(s) in the last {days} days.")


@main.group()
def user() -> None:
    """Maintainers' accounts."""


@user.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.MAINTAINER.value,
    show_default=True,
    help="maintainer: moderates flags; admin: also hides and merges listings.",
)
@click.password_option(help="The password (asked for when not given; at least 12 characters).")
@click.pass_obj
def user_add(url: str, email: str, role: str, password: str) -> None:
    """Create a maintainer's account; the password is stored only as an Argon2 hash."""
    from directory.accounts import AccountError, add_user

    try:
        with _session(url) as session:
            created = add_user(session, email, password, Role(role))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {created.email} ({created.role}).")


@main.group()
def candidates() -> None:
    """Uncertain licence matches for maintainers to confirm or reject."""


@candidates.command("list")
@click.pass_obj
def candidates_list(url: str) -> None:
    """Candidates in the newest verdicts that no maintainer has decided on yet."""
    from directory.licensing.decisions import pending_candidates

    with _session(url) as session:
        found = pending_candidates(session)
    for candidate in found:
        kind = "namesake" if candidate.ambiguous else "weak fit"
        click.echo(
            f"clinician {candidate.clinician_id} licence {candidate.license_id}: "
            f"{candidate.clinician} ({candidate.clinic_name}) ~ {candidate.description} "
            f"({candidate.source}; {kind}: {candidate.why})"
        )
    click.echo(f"{len(found)} candidate(s) wait for a decision.")


def _decide(
    url: str, clinician_id: int, license_id: int, decision: str, by: str, note: str
) -> None:
    """Store a maintainer's decision on one candidate, then re-check that listing."""
    from directory.licensing.decisions import candidate_pair
    from directory.moderation import ModerationError, decide_candidate
    from directory.vocab import Decision

    with _session(url) as session:
        pair = candidate_pair(session, clinician_id, license_id)
        if pair is None:
            raise click.ClickException(f"no clinician {clinician_id} or no licence {license_id}")
        clinician, licence = pair
        try:
            verdict = decide_candidate(
                session,
                clinician,
                licence,
                Decision(decision),
                decided_by=by,
                actor=None,
                note=note,
                as_of=date.today(),
            )
        except ModerationError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Recorded; the listing is now {verdict}.")


def _decision_arguments(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments and options every candidate decision takes: the pair, who and why."""
    for decorate in (
        click.pass_obj,
        click.option("--note", default="", help="Why."),
        click.option("--by", required=True, help="Who decides (kept with the decision)."),
        click.argument("license_id", type=int),
        click.argument("clinician_id", type=int),
    ):
        command = decorate(command)
    return command


@candidates.command("confirm")
@_decision_arguments
def candidates_confirm(url: str, clinician_id: int, license_id: int, by: str, note: str) -> None:
    """Confirm that a licence record is this clinician's."""
    _decide(url, clinician_id, license_id, "confirmed", by, note)


@candidates.command("reject")
@_decision_arguments
def candidates_reject(url: str, clinician_id: int, license_id: int, by: str, note: str) -> None:
    """Reject a licence record as not this clinician's."""
    _decide(url, clinician_id, license_id, "rejected", by, note)


@main.group("import")
def import_group() -> None:
    """Import bulk public files into the licence tables."""


@import_group.command("nppes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source-name", default="nppes", show_default=True, help="Source the rows carry.")
@click.pass_obj
def import_nppes(url: str, path: Path, source_name: str) -> None:
    """Stream an NPPES dissemination file (npidata_pfile_*.csv); resumes an interrupted import."""
    from directory.nppes_file import NppesFileError, import_nppes_file

    engine = make_engine(url)
    try:
        require_current_schema(engine)
        with click.progressbar(length=path.stat().st_size, label="Importing") as bar:
            counts = import_nppes_file(
                make_sessionmaker(engine),
                path,
                source_name=source_name,
                progress=lambda read, _rows: bar.update(read - bar.pos),
            )
    except (SchemaBehindError, NppesFileError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(", ".join(f"{key} {value:,}" for key, value in sorted(counts.items())))


@main.command()
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to this file (default: standard output).",
)
@click.pass_obj
def export(url: str, output: IO[str]) -> None:
    """Write every listing as JSON Lines: the open-data export."""
    from directory.listings import listing_record

    with _session(url) as session:
        public = select(Clinic).where(~Clinic.removal.has()).order_by(Clinic.id)
        for clinic in session.scalars(public):
            output.write(json.dumps(listing_record(clinic), ensure_ascii=False) + "\n")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(url: str, host: str, port: int) -> None:
    """Serve the site (development server; use gunicorn 'web:create_app()' in production)."""
    from werkzeug.serving import make_server

    from web import create_app

    try:
        # The development server speaks plain HTTP, where browsers drop Secure cookies.
        app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
    except SchemaBehindError as error:
        raise click.ClickException(str(error)) from None
    stop = _stop_requests()  # a service manager's SIGTERM stops it as cleanly as Ctrl-C
    server = make_server(host, port, app, threaded=True)  # bound before we say where to go
    serving = threading.Thread(target=server.serve_forever, name="serve")
    serving.start()
    click.echo(f"Open http://{host}:{port}/ in your browser (Ctrl-C stops it).")
    stop.get()
    server.shutdown()  # serve_forever returns, closing the socket
    serving.join()


@main.command()
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the site.")
@click.option(
    "--web-port",
    default=DEFAULT_BASE_PORT,
    show_default=True,
    type=int,
    help="First port of the local public web; 0 picks free ports.",
)
@click.pass_context
def demo(context: click.Context, port: int, web_port: int) -> None:
    """Serve a local copy of the public web, crawl it, verify, and serve the site."""
    from localweb import LocalWeb

    url: str = context.obj
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    demo_folder = Path("var") / "demo"
    demo_folder.mkdir(parents=True, exist_ok=True)
    with LocalWeb(base_port=web_port or None) as web:
        sources_file = web.write_sources(demo_folder / "sources.toml")
        click.echo(f"Local public web is up; crawling it with {sources_file} ...")
        # The local web needs no politeness delay; warnings are all a newcomer needs to see.
        environment = {
            "CLINICS_LOG_LEVEL": "WARNING",
            **os.environ,
            "DATABASE_URL": url,
            "CLINICS_CRAWL_DELAY": "0",
        }
        # Each crawl gets its own process: Twisted's reactor cannot be restarted.
        subprocess.run(  # noqa: S603 - our own command, no shell
            [sys.executable, "-m", "clinics", "crawl", "--sources", str(sources_file)],
            env=environment,
            check=True,
        )
        # Street addresses typed into the demo's search go to the local web's geocoder.
        os.environ["CLINICS_GEOCODER_URL"] = (
            web.urls["geocoder"] + "geocoder/locations/onelineaddress"
        )
        context.invoke(serve, port=port)
    click.echo("Stopped.")


if __name__ == "__main__":
    main()
