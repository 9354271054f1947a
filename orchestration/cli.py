"""`o4o`: generate synthetic feeds, run the nightly refresh in process, roll back a publish."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .settings import SettingsError


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Each option's default in its help, the environment list as written. No default line for a
    required option or a flag; "(default: none)" for an option whose default is empty (None, [] or "")
    rather than argparse's "(default: None)" or "(default: [])"."""

    def _get_help_string(self, action):
        if action.required or action.default is False or action.nargs == 0:  # a flag (store_true, version, help)
            return action.help
        if action.default is None or action.default == [] or action.default == "":
            return f"{action.help} (default: none)" if "default:" not in (action.help or "") else action.help
        return super()._get_help_string(action)


def _generate(args) -> int:
    from .generate import generate

    started = time.perf_counter()
    try:
        summary = generate(Path(args.out), participants=args.participants, seed=args.seed,
                           progress=lambda msg: print(f"  {msg}", flush=True), coalition=args.coalition)
    except (OSError, ValueError) as exc:  # a wrong --out or count: one line, no traceback
        print(f"o4o generate: {exc}", file=sys.stderr)
        return 2
    print(f"wrote synthetic feeds to {args.out} in {time.perf_counter() - started:.1f}s")
    for key, value in summary.items():
        if not isinstance(value, (dict, list)):
            print(f"  {key}: {value}")
    return 0


def _refresh(args) -> int:
    from .coalition.agreement import AgreementError
    from .coalition.sharing import agreement_for
    from .ingest.key_safety import check_pii_key, read_key_state
    from .resources import O4oSettingsResource

    # The flags are this run's switches, given to the run through the `o4o` resource.
    o4o = O4oSettingsResource(demo=args.demo, rekey=args.rekey, accept_shrink=",".join(args.accept_shrink))
    try:
        settings = o4o.settings()
        settings.require_pii_key()
        state = read_key_state(settings)  # None: the warehouse is busy; the ingest checks under its lock
        notes = check_pii_key(settings, state) if state is not None else []
        agreement = agreement_for(settings)  # a malformed agreement stops the run before it starts
    except (SettingsError, AgreementError) as exc:
        print(f"o4o refresh: {exc}", file=sys.stderr)
        return 2
    from .ingest.feeds import landing_problem

    if problem := landing_problem(settings.landing_dir):  # one line, no run
        print(f"o4o refresh: {problem}", file=sys.stderr)
        return 2
    for warning in settings.pii_key_warnings():
        print(f"o4o refresh: {warning}", file=sys.stderr)
    print(f"landing:   {settings.landing_dir}\nwarehouse: {settings.warehouse_path}\n"
          f"publish:   {settings.publish_path} (pii key: {settings.pii_key_mode})", flush=True)
    for note in notes:
        print(f"o4o refresh: {note}", flush=True)
    if agreement is not None:
        print(f"coalition: {agreement.name} ({agreement.path}): members "
              + ", ".join(f"{m.id} -> {m.file_name(settings.publish_path).name}" for m in agreement.members),
              flush=True)
    if settings.accept_shrink:
        print(f"o4o refresh: accepting a shrinking delivery of {', '.join(sorted(settings.accept_shrink))} "
              "for this run (volume rule)", flush=True)
    from .refresh import run_refresh
    from .ingest.spill import describe, remove_spill_files_if_idle

    outcome = run_refresh(log_level="DEBUG" if args.verbose else "INFO", o4o=o4o)
    if (removed := describe(remove_spill_files_if_idle(settings))) and "not checked" not in removed:
        print(f"o4o refresh: {removed}", flush=True)
    if outcome.succeeded:
        print(f"\nrefresh succeeded: mart published at {settings.publish_path}")
        return 0
    if outcome.published:  # the DuckDB file was swapped in, a BI output did not follow
        from .publish.write_audit_publish import describe_version

        behind = " and ".join(outcome.bi_outputs_behind)
        catch_up = "o4o report --postgres" if "PostgreSQL" in behind else "o4o report"
        print(f"\nrefresh FAILED AFTER PUBLISHING: the DuckDB mart WAS published at {settings.publish_path} "
              f"({describe_version(settings.publish_path)}); {behind} was NOT updated and still shows the "
              f"previous version: the two now differ. Fix the cause below, then run `{catch_up}`; "
              "`o4o rollback` puts the previous DuckDB mart back.", file=sys.stderr)
    else:
        print("\nrefresh FAILED: the published mart was left exactly as it was.", file=sys.stderr)
    for line in outcome.failed_checks + outcome.step_errors:
        print(line, file=sys.stderr)
    return 1


def _rollback(args) -> int:
    from .coalition.agreement import AgreementError
    from .coalition.sharing import agreement_for
    from .publish.write_audit_publish import PublishError, previous_path, rollback

    try:
        settings = _settings()
    except SettingsError as exc:
        print(f"o4o rollback: {exc}", file=sys.stderr)
        return 2
    path = settings.publish_path
    try:
        agreement = agreement_for(settings)
        rollback(path)
    except (PublishError, AgreementError) as exc:
        print(f"o4o rollback: {exc}", file=sys.stderr)
        return 1
    print(f"rolled back: {path} is the previous version again (run again to roll forward)")
    # coalition members' files were published with the mart: they go back with it
    for member in agreement.members if agreement is not None else ():
        member_path = member.file_name(path)
        if previous_path(member_path).exists():
            rollback(member_path)
            print(f"rolled back: {member_path} (member {member.id})")
    return _bi_outputs(path)


def _bi_outputs(path: Path) -> int:
    """Bring the outcomes report (and PostgreSQL, when configured) in line with the mart at `path`."""
    from .coalition.agreement import AgreementError
    from .coalition.sharing import agreement_for
    from .publish import BiPublishError, publish_bi_outputs

    settings = _settings()
    try:
        publish_bi_outputs(path, settings.publish_postgres_url, agreement=agreement_for(settings))
    except (BiPublishError, AgreementError) as exc:
        print(f"o4o: {exc}", file=sys.stderr)
        return 1
    return 0


def _report(args) -> int:
    from .publish.outcomes_report import write_report

    try:
        settings = _settings()
    except SettingsError as exc:
        print(f"o4o report: {exc}", file=sys.stderr)
        return 2
    mart = settings.publish_path
    if not mart.exists():
        print(f"o4o report: no published mart at {mart} (run `o4o refresh` first)", file=sys.stderr)
        return 1
    print(f"wrote {write_report(mart, Path(args.out) if args.out else None)}")
    if args.postgres:
        from .publish.postgres import PostgresPublishError, publish_to_postgres

        if not settings.publish_postgres_url:
            print("o4o report --postgres: set O4O_PUBLISH_POSTGRES_URL first", file=sys.stderr)
            return 2
        from .coalition.agreement import AgreementError
        from .coalition.sharing import agreement_for

        try:
            loaded = publish_to_postgres(mart, settings.publish_postgres_url, agreement=agreement_for(settings))
        except (PostgresPublishError, AgreementError) as exc:
            print(f"o4o report: {exc}", file=sys.stderr)
            return 1
        print(f"published {len(loaded.tables)} tables to PostgreSQL {loaded.target} (schema marts)")
    return 0


def _settings():
    """The settings of a command that starts no run (rollback, report)."""
    from .resources import O4oSettingsResource

    return O4oSettingsResource().settings()


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as package_version

    try:
        return package_version("o4o")
    except PackageNotFoundError:
        return "unknown"


def environment_help() -> str:
    """The environment variables o4o reads, with their defaults (settings.ENVIRONMENT_HELP)."""
    from .settings import ENVIRONMENT_HELP

    width = max(len(name) for name, _, _ in ENVIRONMENT_HELP if "," not in name)
    lines = ["environment variables (default):"]
    for name, default, meaning in ENVIRONMENT_HELP:
        lines.append(f"  {name:<{width}}  {meaning} ({default})" if "," not in name
                     else f"  {name}\n  {'':<{width}}  {meaning} ({default})")
    return "\n".join(lines) + "\n\nSee docs/operations.md and docs/contracts/mart.md."


def main(argv: list[str] | None = None) -> int:
    from .resources import disable_telemetry

    disable_telemetry()
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="o4o", description=__doc__, epilog=environment_help(),
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"o4o {version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str):
        return sub.add_parser(name, help=help, description=help, epilog=environment_help(),
                              formatter_class=_DefaultsFormatter)

    gen = command("generate", "write a complete, consistent set of synthetic feeds")
    gen.add_argument("--out", required=True, help="landing directory to write")
    gen.add_argument("--participants", type=int, default=2000, help="job-center participants")
    gen.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    gen.add_argument("--coalition", type=int, default=0, metavar="N",
                     help="also write OUT/coalition.yml, an example data-sharing agreement among N boards (2-5; "
                          "use it with O4O_COALITION_FILE; docs/coalition.md); 0: none")
    gen.set_defaults(func=_generate)
    ref = command("refresh", "run nightly_refresh in process: ingest, gates, dbt, gates, publish "
                             "(reads O4O_LANDING_DIR, writes O4O_WAREHOUSE_PATH, publishes O4O_PUBLISH_PATH)")
    ref.add_argument("--demo", action="store_true",
                     help="use the public demo PII key (synthetic data only; labelled in the mart metadata)")
    ref.add_argument("--verbose", action="store_true", help="log every Dagster event, not just progress")
    ref.add_argument("--rekey", action="store_true",
                     help="O4O_PII_KEY changed on purpose: rebuild every table with it (every participant_key "
                          "changes); without this flag a changed key stops the run")
    ref.add_argument("--accept-shrink", action="append", metavar="ENTITY", default=[],
                     help="accept this run's delivery of ENTITY although it shrinks the raw table by more than "
                          "O4O_MAX_SHRINK_SHARE (repeatable; O4O_ACCEPT_SHRINK=e1,e2 in the UI)")
    ref.set_defaults(func=_refresh)
    rb = command("rollback", "restore the previously published mart (O4O_PUBLISH_PATH)")
    rb.set_defaults(func=_rollback)
    rp = command("report", "write the HTML outcomes report of the published mart (beside it by default)")
    rp.add_argument("--out", help="write the report here instead of beside the mart "
                                  "(default: <O4O_PUBLISH_PATH stem>.report.html)")
    rp.add_argument("--postgres", action="store_true",
                    help="also load the published mart into PostgreSQL (O4O_PUBLISH_POSTGRES_URL)")
    rp.set_defaults(func=_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
