"""The run's validation report: one static HTML file beside the published mart.

GX Data Docs need a file-backed context and pull scripts and styles from a CDN; o4o keeps
GX ephemeral and wants a report that opens offline, so this renders its own: every gate of
the run (or "not run" when an upstream gate stopped it), every expectation with its result,
unexpected count and a few samples (masked by quality/masking.py before they reach the metadata), and
what the gates cost. Each gate rewrites it as it finishes and the publish step writes the
final version, so after any run - published or not - `mart.validation.html` tells what
happened. Written to a temporary file and renamed, so a reader never sees half a report.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetCheckResult, AssetKey, DagsterInstance

from .evaluations import GATE_CHECK_NAME, GateEvaluation, from_result, gate_evaluations

REPORT_SUFFIX = ".validation.html"
LAYERS = ("raw", "staging", "marts")


def report_path(publish_path: Path) -> Path:
    """`mart.duckdb` -> `mart.validation.html`, beside it."""
    return publish_path.with_name(publish_path.stem + REPORT_SUFFIX)


@dataclass(frozen=True)
class PublishOutcome:
    """What the publish step adds to the report."""
    published: bool
    message: str
    validation_seconds: float | None = None
    wall_seconds: float | None = None

    @property
    def validation_share(self) -> float | None:
        if self.validation_seconds is None or not self.wall_seconds:
            return None
        return self.validation_seconds / self.wall_seconds


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430}
h1{font-size:1.5rem;margin:0 0 .3rem} h2{font-size:1.15rem;margin:2rem 0 .5rem}
h3{font-size:1rem;margin:1.4rem 0 .3rem} table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{border:1px solid #d4d9e1;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f2f4f7} td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#17693a;font-weight:600} .fail{color:#b42318;font-weight:600}
.warn{color:#9a6700;font-weight:600} .skip{color:#667085}
.banner{padding:.6rem .9rem;border-radius:4px;margin:.8rem 0;font-weight:600}
.banner.pass{background:#e7f6ec} .banner.fail{background:#fde8e7} .banner.skip{background:#f2f4f7}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace} pre{background:#f7f8fa;padding:.5rem;white-space:pre-wrap}
.meta td:first-child{color:#667085}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _status(passed: bool | None, warning: bool = False) -> str:
    if passed is None:
        return '<span class="skip">not run</span>'
    if passed:
        return '<span class="warn">passed, with warnings</span>' if warning else '<span class="pass">passed</span>'
    return '<span class="fail">FAILED</span>'


def _anchor(evaluation_asset: str) -> str:
    return "gate-" + "".join(c if c.isalnum() else "-" for c in evaluation_asset)


def _expectation_rows(expectations: list[dict]) -> str:
    rows = []
    for e in expectations:
        if e.get("success"):
            result = '<span class="pass">pass</span>'
        elif e.get("severity") == "warning":
            result = '<span class="warn">warning</span>'
        else:
            result = '<span class="fail">FAIL</span>'
        samples = ", ".join(_e(v) for v in e.get("sample_values") or [])
        rows.append(f"<tr><td>{_e(e.get('suite'))}</td><td>{_e(e.get('rule'))}</td><td>{_e(e.get('column'))}</td>"
                    f"<td>{result}</td><td class=n>{_e(e.get('unexpected_count'))}</td>"
                    f"<td>{_e(e.get('observed'))}</td><td><code>{samples}</code></td></tr>")
    return ("<table><tr><th>suite</th><th>rule</th><th>column</th><th>result</th><th>unexpected</th>"
            "<th>observed</th><th>sample values</th></tr>" + "".join(rows) + "</table>")


def render_report(run_id: str, evaluations: Sequence[GateEvaluation], expected: Sequence[tuple[AssetKey, str]],
                  publish: PublishOutcome | None = None, generated_at: dt.datetime | None = None) -> str:
    """The whole report as one self-contained HTML document (no scripts, no external links)."""
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    by_key = {e.asset_key: e for e in evaluations}
    layer_of = {key: layer for key, layer in expected}
    for e in evaluations:
        layer_of.setdefault(e.asset_key, e.layer)
    keys = sorted(layer_of, key=lambda k: (LAYERS.index(layer_of[k]) if layer_of[k] in LAYERS else len(LAYERS),
                                           k.to_user_string()))
    failed = [e for e in evaluations if not e.passed]
    not_run = [k for k in keys if k not in by_key]
    seconds = sum(e.validation_seconds for e in evaluations)

    if failed:
        links = ", ".join(f'<a href="#{_anchor(e.asset)}">{_e(e.asset)}</a>' for e in failed)
        banner = (f'<div class="banner fail">{len(failed)} gate(s) failed: the published mart was not '
                  f"replaced by this run. Failed: {links}</div>")
    elif publish is not None:
        banner = f'<div class="banner {"pass" if publish.published else "fail"}">{_e(publish.message)}</div>'
    else:
        banner = ('<div class="banner skip">Every gate evaluated so far passed; the run has not published '
                  "yet (or stopped before publishing).</div>")
    facts = [("run id", f"<code>{_e(run_id)}</code>"),
             ("report written", _e(generated_at.isoformat(timespec="seconds"))),
             ("gates", f"{len(evaluations)} evaluated of {len(keys)}: {len(evaluations) - len(failed)} passed, "
                       f"{len(failed)} failed, {len(not_run)} not run"),
             ("time spent validating", f"{seconds:.1f} s")]
    if publish is not None and publish.validation_share is not None:
        facts.append(("share of refresh wall time", f"{publish.validation_share:.1%} of {publish.wall_seconds:.1f} s"))
    meta = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in facts)

    summary = []
    for key in keys:
        e = by_key.get(key)
        layer = layer_of[key]
        name = key.to_user_string()
        if e is None:
            summary.append(f"<tr><td>{_e(layer)}</td><td>{_e(name)}</td><td colspan=7>{_status(None)}</td></tr>")
            continue
        m = e.metadata
        summary.append(
            f"<tr><td>{_e(layer)}</td><td><a href=\"#{_anchor(name)}\">{_e(name)}</a></td>"
            f"<td>{_status(e.passed, bool(m.get('warnings')))}</td><td class=n>{_e(m.get('expectations_run'))}</td>"
            f"<td class=n>{_e(m.get('expectations_failed'))}</td><td class=n>{_e(m.get('warnings'))}</td>"
            f"<td class=n>{_e(m.get('unexpected_rows'))}</td><td class=n>{_e(m.get('rows_validated'))}</td>"
            f"<td class=n>{float(m.get('validation_seconds') or 0):.2f}</td></tr>")
    details = []
    for key in keys:
        e = by_key.get(key)
        if e is None:
            continue
        name = key.to_user_string()
        m = e.metadata
        failures = m.get("failures")
        details.append(
            f"<h3 id=\"{_anchor(name)}\">{_e(name)} &middot; {_status(e.passed, bool(m.get('warnings')))}</h3>"
            f"<div>suites: <code>{_e(m.get('suites') or m.get('suite'))}</code>"
            + (f"; validated in {_e(m.get('engine'))}" if m.get("engine") else "")
            + (f": {_e(m.get('validated'))}" if m.get("validated") else "") + "</div>"
            + (f"<pre>{_e(failures)}</pre>" if failures and failures != "none" else "")
            + _expectation_rows(m.get("expectations") or []))
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>o4o validation report {_e(run_id[:8])}</title><style>{_CSS}</style></head><body>"
        f"<h1>o4o validation report</h1>{banner}<table class=meta>{meta}</table>"
        "<h2>Gates</h2><table><tr><th>layer</th><th>asset</th><th>result</th><th>expectations</th>"
        "<th>failed</th><th>warnings</th><th>unexpected</th><th>rows validated</th><th>seconds</th></tr>"
        + "".join(summary) + "</table><h2>Expectations</h2>" + "".join(details) + "</body></html>\n")


def write_report(path: Path, document: str) -> Path:
    """Write beside the mart via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(document, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_run_report(instance: DagsterInstance, run_id: str, publish_path: Path,
                     expected: Sequence[tuple[AssetKey, str]],
                     current: tuple[AssetKey, AssetCheckResult] | None = None,
                     publish: PublishOutcome | None = None) -> Path:
    """Render the run's report from its event log (plus the evaluation being reported now)."""
    evaluations = gate_evaluations(instance, run_id, GATE_CHECK_NAME)
    if current is not None:
        key, result = current
        evaluations = [e for e in evaluations if e.asset_key != key] + [from_result(key, GATE_CHECK_NAME, result)]
    return write_report(report_path(publish_path), render_report(run_id, evaluations, expected, publish))
