"""A snapshot of the Dagster definitions (as dagster-open-platform keeps one): every asset key
with its group, every asset check, job, schedule and sensor. A rename or a lost asset is then a
visible change in review, not a surprise in the UI, the run history or an operator's script.

After an intended change, rewrite the snapshot and commit it with the change:

    .venv/bin/python tests/test_definitions_snapshot.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def definitions_summary() -> dict:
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs
    from orchestration.quality.evaluations import GATE_CHECK_NAME

    graph = defs.resolve_asset_graph()
    assets = {key.to_user_string(): graph.get(key).group_name for key in sorted(graph.get_all_asset_keys(), key=str)
              if graph.get(key).is_materializable}
    # o4o's own checks by name (the GX gates, freshness); dbt's tests, which dbt names after their
    # columns, as a count per asset, so a renamed column does not churn this file
    dbt_models = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable
                  and "dbt" in (graph.get(k).kinds or set())}
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys
                    if k.name == GATE_CHECK_NAME or k.asset_key not in dbt_models)
    dbt_tests = {}
    for k in graph.asset_check_keys:
        if k.asset_key in dbt_models and k.name != GATE_CHECK_NAME:
            dbt_tests[k.asset_key.to_user_string()] = dbt_tests.get(k.asset_key.to_user_string(), 0) + 1
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    schedules = {s.name: {"job": s.job_name, "cron": s.cron_schedule,
                          "default_status": s.default_status.value} for s in defs.schedules}
    sensors = {s.name: {"default_status": s.default_status.value} for s in defs.sensors}
    return {"assets": assets, "asset_checks": checks, "dbt_tests_per_asset": dbt_tests, "jobs": jobs, "schedules": schedules, "sensors": sensors,
            "resources": sorted(defs.resources)}


def test_definitions_match_the_snapshot():
    current = definitions_summary()
    expected = json.loads(SNAPSHOT.read_text())
    for part in expected:
        if isinstance(expected[part], dict):
            gone = sorted(set(expected[part]) - set(current[part]))
            new = sorted(set(current[part]) - set(expected[part]))
            changed = sorted(k for k in set(expected[part]) & set(current[part]) if expected[part][k] != current[part][k])
        else:
            gone = sorted(set(expected[part]) - set(current[part]))
            new = sorted(set(current[part]) - set(expected[part]))
            changed = []
        assert not (gone or new or changed), (
            f"{part}: gone {gone}, new {new}, changed {changed}. If intended, run "
            f"`.venv/bin/python tests/test_definitions_snapshot.py` and commit {SNAPSHOT.name}")
    assert set(current) == set(expected)
    assert "published_mart" in current["assets"] and "nightly_refresh" in current["jobs"]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    SNAPSHOT.write_text(json.dumps(definitions_summary(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
