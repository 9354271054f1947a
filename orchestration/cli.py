"""`o4o`: generate synthetic feeds, run the nightly refresh in process, roll back a publish."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _generate(args) -> int:
    from .generate import generate

    started = time.perf_counter()
    summary = generate(Path(args.out), participants=args.participants, seed=args.seed,
                       progress=lambda msg: print(f"  {msg}", flush=True))
    print(f"wrote synthetic feeds to {args.out} in {time.perf_counter() - started:.1f}s")
    for key, value in summary.items():
        if not isinstance(value, (dict, list)):
            print(f"  {key}: {value}")
    return 0


def failed_checks(result) -> list[str]:
    """One line per failed asset check of a finished run: asset, check, rows affected, sample."""
    lines = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            continue
        meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        rows = meta.get("unexpected_rows", 0) + meta.get("quarantined_rows", 0)
        lines.append(f"FAILED {evaluation.asset_key.to_user_string()} :: {evaluation.check_name} "
                     f"({rows} rows affected)\n{meta.get('failures', evaluation.description or '')}")
    return lines


def _refresh(args) -> int:
    if args.demo:
        os.environ["O4O_DEMO"] = "1"
    from .settings import SettingsError, load_settings

    settings = load_settings()
    try:
        settings.require_pii_key()
    except SettingsError as exc:
        print(f"o4o refresh: {exc}", file=sys.stderr)
        return 2
    print(f"landing:   {settings.landing_dir}\nwarehouse: {settings.warehouse_path}\n"
          f"publish:   {settings.publish_path} (pii key: {settings.pii_key_mode})", flush=True)
    from .dbt_project import prepare_manifest

    prepare_manifest()
    from dagster import DagsterInstance

    from .definitions import defs

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    before = settings.publish_path.stat().st_mtime_ns if settings.publish_path.exists() else None
    result = defs.get_job_def("nightly_refresh").execute_in_process(instance=instance, raise_on_error=False)
    published = any(m.asset_key.to_user_string() == "published_mart"
                    for m in result.asset_materializations_for_node("published_mart")) if result.success else False
    after = settings.publish_path.stat().st_mtime_ns if settings.publish_path.exists() else None
    if result.success and published and after != before:
        print(f"\nrefresh succeeded: mart published at {settings.publish_path}")
        return 0
    print("\nrefresh FAILED: the published mart was left exactly as it was.", file=sys.stderr)
    for line in failed_checks(result):
        print(line, file=sys.stderr)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            while err is not None and err.cause is not None:  # the user's exception, not Dagster's wrapper
                err = err.cause
            print(f"step {event.step_key} failed: {err.message.strip() if err else ''}", file=sys.stderr)
    return 1


def _rollback(args) -> int:
    from .publish import PublishError, rollback
    from .settings import load_settings

    path = load_settings().publish_path
    try:
        rollback(path)
    except PublishError as exc:
        print(f"o4o rollback: {exc}", file=sys.stderr)
        return 1
    print(f"rolled back: {path} is the previous version again (run again to roll forward)")
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    parser = argparse.ArgumentParser(prog="o4o", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a complete, consistent set of synthetic feeds")
    gen.add_argument("--out", required=True, help="landing directory to write")
    gen.add_argument("--participants", type=int, default=2000)
    gen.add_argument("--seed", type=int, default=42)
    gen.set_defaults(func=_generate)
    ref = sub.add_parser("refresh", help="run nightly_refresh in process: ingest, gates, dbt, gates, publish")
    ref.add_argument("--demo", action="store_true",
                     help="use the public demo PII key (synthetic data only; labelled in the mart metadata)")
    ref.set_defaults(func=_refresh)
    rb = sub.add_parser("rollback", help="restore the previously published mart")
    rb.set_defaults(func=_rollback)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
