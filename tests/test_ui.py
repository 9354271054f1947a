"""Operating o4o from the Dagster UI, in a real browser.

Starts `dagster-webserver` on a free loopback port with its own DAGSTER_HOME and demo feeds,
looks at the asset graph in headless Chromium, launches `nightly_refresh` through the
webserver's GraphQL API (what the Launchpad's button sends), waits for it, and checks that
the mart was published and that the UI shows every gate as passed. Screenshots go to the
test's temp dir.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

PARTICIPANTS = 300
START_DEADLINE_S = 240    # generous bounds, never asserted: they only stop a hung test
RUN_DEADLINE_S = 1800
LAYER_GROUPS = ["raw", "staging", "intermediate", "marts", "reports", "published"]
DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:  # launch at once: this test runs no daemon
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Webserver:
    url: str
    publish_path: Path
    log: Path
    process: subprocess.Popen

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(f"{self.url}/graphql", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"query": query, "variables": variables or {}}).encode())
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def alive(self) -> bool:
        return self.process.poll() is None


def _wait_until_loaded(server: Webserver) -> str:
    """Poll /server_info, then the workspace, until the code location has loaded; its name."""
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        assert server.alive(), f"dagster-webserver exited:\n{server.log.read_text()[-4000:]}"
        try:
            urllib.request.urlopen(f"{server.url}/server_info", timeout=5).read()
            entries = server.graphql("""{ workspaceOrError { ... on Workspace { locationEntries {
                name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }""")
            [entry] = entries["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] == "LOADED":
                error = entry["locationOrLoadError"]
                assert error["__typename"] == "RepositoryLocation", error
                return entry["name"]
        except OSError:
            pass
        time.sleep(2)
    raise AssertionError(f"dagster-webserver did not load the code location:\n{server.log.read_text()[-4000:]}")


@pytest.fixture
def webserver(tmp_path):
    from orchestration.dbt_project import prepare_manifest
    from orchestration.generate import generate

    prepare_manifest()  # the code location reads target/manifest.json when it loads
    landing = tmp_path / "landing"
    generate(landing, participants=PARTICIPANTS, seed=11)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    publish_path = tmp_path / "mart.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("O4O_", "DAGSTER_"))}
    env.update({"DAGSTER_HOME": str(home), "O4O_DEMO": "1", "O4O_LANDING_DIR": str(landing),
                "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"), "O4O_PUBLISH_PATH": str(publish_path),
                "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "False"})
    port = _free_port()
    log = tmp_path / "webserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
             "-m", "orchestration.definitions"],
            cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Webserver(f"http://127.0.0.1:{port}", publish_path, log, process)
    try:
        yield server
    finally:  # the webserver, its code server and any run worker share one process group
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=wait)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # a code server or run worker that outlived the webserver
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
    ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } } } }"""
RUN_STATUS = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
STEP_FAILURES = """query Logs($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events { __typename
    ... on ExecutionStepFailureEvent { stepKey error { message cause { message } } } } } } }"""
CHECKS = """{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name
    executionForLatestMaterialization { runId status } } } } } }"""
MATERIALIZATION_METADATA = """query Meta($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
    assetMaterializations(limit: 1) { runId metadataEntries { label __typename
        ... on MarkdownMetadataEntry { mdStr } ... on IntMetadataEntry { intValue }
        ... on PathMetadataEntry { path } } } } } }"""


def _run_to_completion(server: Webserver, location: str, job: str) -> tuple[str, str]:
    launched = server.graphql(LAUNCH, {"params": {
        "selector": {"repositoryLocationName": location, "repositoryName": "__repository__", "jobName": job},
        "runConfigData": {}}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + RUN_DEADLINE_S
    status = None
    while time.monotonic() < deadline:
        status = server.graphql(RUN_STATUS, {"id": run_id})["runOrError"]["status"]
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(5)
    return run_id, status


def _metadata(server: Webserver, *path: str) -> tuple[str, dict]:
    [materialization] = server.graphql(MATERIALIZATION_METADATA, {"key": {"path": list(path)}}
                                       )["assetOrError"]["assetMaterializations"]
    return materialization["runId"], {e["label"]: e for e in materialization["metadataEntries"]}


def test_operate_nightly_refresh_from_the_ui(webserver, browser_page, tmp_path):
    from orchestration.checks.gates import GATE_CHECK_NAME, GATES

    page = browser_page
    location = _wait_until_loaded(webserver)
    webserver.graphql("mutation { setNuxSeen }")  # what 'Skip' on the first visit's community dialog sends

    # The asset graph, grouped by layer.
    page.goto(f"{webserver.url}/asset-groups")
    for group in LAYER_GROUPS:
        page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "asset_graph.png"))

    # Launch nightly_refresh as the Launchpad does, and wait for it.
    assert not webserver.publish_path.exists()
    run_id, status = _run_to_completion(webserver, location, "nightly_refresh")
    if status != "SUCCESS":
        events = webserver.graphql(STEP_FAILURES, {"id": run_id})["logsForRun"]["events"]
        failures = [e for e in events if e["__typename"] == "ExecutionStepFailureEvent"]
        pytest.fail(f"nightly_refresh ended {status}: {json.dumps(failures, indent=1)[:6000]}")

    # The mart was published, by this run.
    with duckdb.connect(str(webserver.publish_path), read_only=True) as con:
        assert con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'"
                           ).fetchone() == (run_id,)
        assert con.execute("SELECT count(*) FROM marts.rpt_wioa_performance").fetchone()[0] > 0

    # Every gate ran in this run and passed, as the UI's data says.
    executions = {("/".join(n["assetKey"]["path"]), c["name"]): c["executionForLatestMaterialization"]
                  for n in webserver.graphql(CHECKS)["assetNodes"]
                  for c in (n["assetChecksOrError"] or {}).get("checks", [])}
    for gate in GATES:
        execution = executions[(gate.asset_key.to_user_string(), GATE_CHECK_NAME)]
        assert execution == {"runId": run_id, "status": "SUCCEEDED"}, (gate, execution)

    # What a person reads on the assets: row counts, schemas, the report's headline numbers.
    _, raw_meta = _metadata(webserver, "raw", "wage_records")
    assert raw_meta["dagster/row_count"]["intValue"] > 0 and "dagster/column_schema" in raw_meta
    report_run, report_meta = _metadata(webserver, "rpt_wioa_performance")
    assert report_run == run_id and "dagster/column_schema" in report_meta
    assert "| employment_rate_q2 |" in report_meta["headline_indicators"]["mdStr"]

    # The run's page says it succeeded; the mart's check page shows the gate as passed.
    page.goto(f"{webserver.url}/runs/{run_id}")
    page.get_by_text("RUN_SUCCESS").first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "run.png"))

    page.goto(f"{webserver.url}/assets/fct_exit_outcomes?view=checks")
    page.get_by_text(GATE_CHECK_NAME).first.click()
    page.get_by_text("Passed", exact=True).first.wait_for(timeout=60_000)
    assert page.get_by_text("Failed", exact=True).count() == 0
    page.screenshot(path=str(tmp_path / "checks.png"))

    # The report's headline numbers, as a person scrolls to them on the asset's page.
    page.goto(f"{webserver.url}/assets/rpt_wioa_performance")
    headline = page.get_by_text("headline_indicators").first
    headline.wait_for(timeout=60_000)
    headline.scroll_into_view_if_needed()
    page.get_by_text("employment_rate_q2").first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "report_asset.png"))
