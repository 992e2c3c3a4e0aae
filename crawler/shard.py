"""Crawl one shard of a planned run, in this process: `python -m crawler.shard RUN_ID POSITION`.

Started by `crawler.jobs` (one process per shard: Twisted's reactor cannot restart). The pipeline
records the shard's counts; the process that started this one closes the run.
"""

import dataclasses
import sys

from crawler.jobs import JobConfig
from crawler.run import crawl, project_settings
from directory import runs
from directory.db import database_sessions
from directory.models import CrawlRun
from directory.vocab import SourceKind


def main(run_id: int, position: int) -> None:
    """Crawl the part of the run's source that the shard names."""
    config = JobConfig.from_environment()
    with database_sessions(config.database_url) as sessions, sessions() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise SystemExit(f"no crawl run {run_id}")
        name, part = run.source_name, runs.get_shard(session, run_id, position).part
    source = config.source(name)
    if "urls" in part:
        source = dataclasses.replace(source, urls=tuple(part["urls"]))
    settings = project_settings(config.database_url, config.sources_file)
    settings.set("CLINICS_SHARD", f"{run_id}:{position}", priority="cmdline")
    lookups = runs.shard_lookups(part) if source.kind is SourceKind.NPPES_API else None
    crawl([source], settings, lookups)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
