"""`broadsheet`: the command line. Thin: every command calls the same functions as the DAG."""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from pipeline.config import ConfigError, default_workers, files_config, load_config, warehouse_path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", help="warehouse folder (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    parser.add_argument("--date", type=_date, default=None, help="ingest date YYYY-MM-DD (default: today)")
    parser.add_argument("--run-id", help="run id (default: generated; a killed night of the same date "
                                         "and config is resumed)")
    parser.add_argument("--workers", type=_positive, default=default_workers(),
                        help="worker processes for the shards (default: the number of cores, here %(default)s)")
    parser.add_argument("--shard-size", type=_positive, default=None,
                        help="documents per shard (default: the config's shard_size, else 200)")
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="only warnings and errors on stderr")


def _print_summary(summary: dict, warehouse: str) -> None:
    from pipeline.store.storage import Storage
    print(f"run {summary['run_id']} for {summary['ingest_date']}: {summary['status']}")
    print(f"  inputs {summary['inputs']}  articles {summary['articles']}  entities {summary['entities']}  "
          f"quotes {summary['quotes']}  rejects {summary['rejects']}  duplicates {summary['duplicates']}")
    if summary.get("warnings") or summary.get("drift_flags"):
        print(f"  validation warnings {summary.get('warnings', 0)}  drifting sources {summary.get('drift_flags', 0)}"
              "  (tables validations, source_health)")
    if summary.get("drifting_sources"):
        print(f"  drift: {summary['drifting_sources']}")
    if summary.get("data_docs"):
        print(f"  data docs {summary['data_docs']}")
    print(f"  warehouse {Storage.of(warehouse).uri()}  (query: broadsheet sql \"SELECT ...\")")


def _stage_printer(stage: str, counts: dict) -> None:
    shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if not isinstance(v, (list, dict)))
    print(f"[{datetime.now():%H:%M:%S}] {stage}: {shown}", file=sys.stderr, flush=True)


def _run(config, args) -> int:
    from pipeline.run import run_all
    if args.shard_size:
        config.shard_size = args.shard_size
    warehouse = warehouse_path(args.warehouse)
    summary = run_all(config, warehouse, args.date or date.today(), args.run_id, on_stage=_stage_printer,
                      workers=args.workers)
    _print_summary(summary, warehouse)
    return 0


def cmd_ingest(args) -> int:
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    return _run(files_config(args.paths), args)


def cmd_run(args) -> int:
    return _run(load_config(args.config), args)


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _as_of(text: str):
    """A table version (a whole number) or a moment (ISO 8601; UTC when no zone is given)."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a version number or an ISO date-time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _query_text(args) -> str:
    """The query on the command line, or the file's (`--file queries/NAME.sql`): exactly one."""
    if (args.query is None) == (args.file is None):
        raise ConfigError("sql: give a query or --file FILE (one of them)")
    if args.file is None:
        return args.query
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"sql: cannot read {args.file}: {error.strerror or error}") from None


def cmd_sql(args) -> int:
    from pipeline.store.catalog import NoWarehouse, connect, tables_in
    warehouse = warehouse_path(args.warehouse)
    args.query = _query_text(args)
    try:
        con = connect(warehouse, as_of=args.as_of, must_exist=True, tables=tables_in(args.query))
    except NoWarehouse as missing:
        raise ConfigError(str(missing)) from None
    except Exception as error:   # delta-rs: no such version, or a moment before the table existed
        if args.as_of is None:
            raise
        raise ConfigError(f"--as-of {args.as_of}: {str(error).splitlines()[0]}") from None
    with con:
        cursor = con.execute(args.query)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    if args.format == "json":
        json.dump([dict(zip(columns, row)) for row in rows], sys.stdout, default=_json_default,
                  ensure_ascii=False)
        print()
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        _print_table(columns, rows)
    return 0


def _existing_warehouse(location):
    from pipeline.store.catalog import NoWarehouse, is_warehouse
    from pipeline.store.storage import Storage
    storage = Storage.of(warehouse_path(location))
    if not is_warehouse(storage):
        raise ConfigError(str(NoWarehouse(f"no warehouse at {storage.uri()}")))
    return storage


def cmd_export(args) -> int:
    from pipeline.store.export import ExportError, export
    storage = _existing_warehouse(args.warehouse)
    if args.start and args.end and args.start > args.end:
        raise ConfigError(f"export: --from {args.start} is after --to {args.end}")
    try:
        done = export(storage, args.table, Path(args.out), args.format, args.start, args.end, args.where)
    except ExportError as refused:
        raise ConfigError(f"export: {refused}") from None
    print(f"{done.rows} rows  sha256 {done.sha256}  {done.bytes} bytes  {done.path}")
    return 0


def cmd_status(args) -> int:
    from pipeline.store.status import render, status
    storage = _existing_warehouse(args.warehouse)
    sys.stdout.write(render(status(storage, nights=args.nights)))
    return 0


def cmd_verify(args) -> int:
    from pipeline.progress import Progress
    from pipeline.store.manifests import verify
    from pipeline.store.status import human_bytes, table_sizes
    storage = _existing_warehouse(args.warehouse)
    progress = Progress("verify", sum(size.bytes for size in table_sizes(storage)), "bytes")
    found = verify(storage, on_file=progress.advance)
    for problem in found.problems:
        print(problem)
    print(f"{found.partitions} partitions, {found.files} files, {human_bytes(found.bytes)} checked against "
          f"their manifests: {len(found.problems) or 'no'} problem(s)")
    return 1 if found.problems else 0


def cmd_repair(args) -> int:
    from pipeline.store.catalog import NoWarehouse, is_warehouse, refresh_catalog
    from pipeline.store.lock import holding
    from pipeline.store.repair import repair
    from pipeline.store.storage import Storage
    storage = Storage.of(warehouse_path(args.warehouse))
    if not is_warehouse(storage):
        raise ConfigError(str(NoWarehouse(f"no warehouse at {storage.uri()}")))
    with holding(storage, f"repair-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}"):
        damaged = repair(storage, dry_run=args.dry_run)
        if damaged and not args.dry_run:
            refresh_catalog(storage)
    for each in damaged:
        print(f"{each.table}: {storage.uri(each.path)}: {each.reason}")
    nights = sorted({each.ingest_date for each in damaged if each.ingest_date})
    if not damaged:
        print("no damaged files")
    elif args.dry_run:
        print(f"{len(damaged)} damaged file(s); run without --dry-run to set them aside")
    else:
        print(f"{len(damaged)} damaged file(s) set aside in {storage.uri(storage.path('_quarantine'))}; "
              f"run these nights again to restore their rows: {', '.join(nights) or '(none)'}")
    return 0


def cmd_compact(args) -> int:
    from pipeline.store.delta import maintain
    from pipeline.store.storage import Storage
    from pipeline.store.catalog import NoWarehouse, is_warehouse, refresh_catalog
    storage = Storage.of(warehouse_path(args.warehouse))
    if not is_warehouse(storage):
        raise ConfigError(str(NoWarehouse(f"no warehouse at {storage.uri()}")))
    done = maintain(storage, retention_days=args.retention_days, vacuum=not args.no_vacuum)
    refresh_catalog(storage)
    for table, figures in done.items():
        print(f"{table}: files {figures['files_before']} -> {figures['files_after']} ({figures['operation']}), "
              f"vacuumed {figures['vacuumed']}, version {figures['version']}, rows {figures['rows']} "
              f"{'unchanged' if figures['checksum_unchanged'] else 'CHANGED'}")
    return 0


def cmd_schema(args) -> int:
    from pipeline.store.dictionary import render_markdown
    from pipeline.store.schemas import TABLES, table_spec
    tables = tuple(args.tables) or TABLES
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise ConfigError(f"unknown table(s): {', '.join(unknown)}; tables are {', '.join(TABLES)}")
    if args.format == "json":
        json.dump([table_spec(t) for t in tables], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        sys.stdout.write(render_markdown(tables))
    return 0


def _print_table(columns: list[str], rows: list[tuple]) -> None:
    def cell(value) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= 60 else text[:57] + "..."
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="broadsheet", description="Batch ETL for news corpora.")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="run the whole path on local files and folders")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    _add_common(ingest)
    ingest.set_defaults(func=cmd_ingest)

    run = commands.add_parser("run", help="the nightly job over the configured sources")
    run.add_argument("--config", help="sources file (default: $BROADSHEET_CONFIG or config/sources.yaml)")
    _add_common(run)
    run.set_defaults(func=cmd_run)

    sql = commands.add_parser("sql", help="query the warehouse's tables with DuckDB SQL")
    sql.add_argument("query", nargs="?", default=None)
    sql.add_argument("-f", "--file", help="read the query from FILE (the ready-made ones: queries/*.sql)")
    sql.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--as-of", type=_as_of, default=None, metavar="VERSION|TIMESTAMP",
                     help="read every table as it was at that table version or moment (time travel)")
    sql.set_defaults(func=cmd_sql)

    export = commands.add_parser("export", help="one table's slice as one Parquet, CSV or JSON-lines file")
    export.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    export.add_argument("--table", required=True, help="the table to export")
    export.add_argument("--from", dest="start", type=_date, default=None, metavar="DATE",
                        help="first ingest date to include (YYYY-MM-DD)")
    export.add_argument("--to", dest="end", type=_date, default=None, metavar="DATE",
                        help="last ingest date to include (YYYY-MM-DD)")
    export.add_argument("--where", default=None, metavar="SQL", help="a DuckDB condition on the table's columns")
    export.add_argument("--format", choices=("parquet", "csv", "jsonl"), required=True)
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write (replaced when complete)")
    export.set_defaults(func=cmd_export)

    status = commands.add_parser("status", help="the last nights, the tables' sizes and versions, what is owed")
    status.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    status.add_argument("--nights", type=_positive, default=7, help="how many nights to show (default %(default)s)")
    status.set_defaults(func=cmd_status)

    verify = commands.add_parser("verify", help="check every table's files against the partitions' manifests")
    verify.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    verify.set_defaults(func=cmd_verify)

    compact = commands.add_parser("compact", help="compact the tables' small files, then vacuum old versions")
    compact.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    compact.add_argument("--retention-days", type=_positive, default=30,
                         help="keep versions of the last N days readable with --as-of (default %(default)s)")
    compact.add_argument("--no-vacuum", action="store_true", help="compact only; remove nothing")
    compact.set_defaults(func=cmd_compact)

    repair = commands.add_parser("repair", help="set aside damaged Parquet files of the tables so the warehouse reads again")
    repair.add_argument("--warehouse", help="warehouse folder or s3:// prefix (default: $BROADSHEET_WAREHOUSE or ./warehouse)")
    repair.add_argument("--dry-run", action="store_true", help="only list the damaged files")
    repair.set_defaults(func=cmd_repair)

    schema = commands.add_parser("schema", help="the data dictionary: every table's columns, types and meaning")
    schema.add_argument("tables", nargs="*", metavar="TABLE")
    schema.add_argument("--format", choices=("markdown", "json"), default="markdown")
    schema.set_defaults(func=cmd_schema)

    extract = commands.add_parser("extract", help="HTML files -> JSON lines of extracted articles",
                                  add_help=False)
    extract.set_defaults(func=None, delegate="pipeline.extract.command")
    enrich = commands.add_parser("enrich", help="JSON lines {id, text} on stdin -> entities and quotes",
                                 add_help=False)
    enrich.set_defaults(func=None, delegate="pipeline.enrich.command")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # extract and enrich parse their own options; hand them the rest of the line untouched
    if argv and argv[0] in ("extract", "enrich"):
        import importlib
        module = importlib.import_module(f"pipeline.{argv[0]}.command")
        return module.main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("great_expectations", "trafilatura", "newspaper", "urllib3", "httpx", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"broadsheet: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from pipeline.store.lock import WarehouseBusy
        if isinstance(exc, WarehouseBusy):
            print(f"broadsheet: {args.command} refused: {exc}", file=sys.stderr)
            return 1
        from pipeline.run import failure_message
        warehouse = warehouse_path(args.warehouse) if hasattr(args, "warehouse") else None
        print(f"broadsheet: {args.command} failed: {failure_message(exc, warehouse=warehouse)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
