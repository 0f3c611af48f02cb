#!/usr/bin/env python3
"""report.html of a real run, opened in headless Chromium as a reader opens it.

Usage: report_browser_test.py SERVEBENCH_BINARY RUN_FOLDER

Copies the run folder (its journal), writes its outputs with `servebench report`, opens
report.html from disk in Debian's chromium (--headless --no-sandbox --disable-gpu, driven over
the DevTools protocol by scripts/headless_chromium.py) and checks that:
  - the page logs no console error and throws no exception;
  - it makes no network request (the only URL asked for is the file itself);
  - every chart is drawn: Chart.js holds its data, and its plot area in a screenshot holds
    coloured pixels (the PNG is decoded here and counted: an empty chart's area has only its
    grey grid, 0 coloured pixels; the emptiest chart of the fixture has 0.6 %);
  - the latency charts draw each inconclusive or unstable level as hollow points;
  - the numbers of the overview are those of results.json, and so is the text shown;
  - each overview row names its levels' marks (inconclusive, unstable, lag, noisy) as
    results.json counts them, and the warnings at the top list every such level.
Exits 77 (CTest: skipped) with the reason when chromium is missing or servebench was built
without its charting library.
"""

import io
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import headless_chromium  # noqa: E402  pylint: disable=wrong-import-position

SKIP = 77


def skip(reason):
    print("SKIPPED:", reason)
    sys.exit(SKIP)


def coloured_share(image, box):
    """The share of pixels in `box` (left, top, right, bottom) that are coloured: data, not the
    white background or the grey of axes, grid and labels."""
    pixels = list(image.crop(box).convert("RGB").getdata())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)
    return coloured / max(1, len(pixels))


def shown_number(text):
    """The number a table cell shows ("14123", "0.00197", "1.89", "1350 ± 124 (3 repeats)");
    None for "–"."""
    text = text.split("±", 1)[0].replace("★", "").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


UNIT = {"p50_us": 1e-3, "p99_us": 1e-3, "rss_max_bytes": 1 / (1024 * 1024)}


def check_overview(rows, results, failures):
    cells = results["cells"]

    def find(variant, server, scenario=None, kind=None):
        for cell in cells:
            if (cell["variant"], cell["server"]) == (variant, server) and \
                    (scenario is None or cell["scenario"] == scenario) and \
                    (kind is None or cell["scenario_kind"] == kind):
                return cell
        return None

    checked = 0
    for row in rows:
        cell = find(row["variant"], row["server"], row["scenario"])
        if cell is None:
            failures.append(f"overview row {row} names no cell of results.json")
            continue
        for value in row["values"]:
            metric = value["metric"]
            if metric == "cold_start_s":
                source = find(row["variant"], row["server"], kind="cold_start")
                expected = source["summary"]["cold_start_s"] if source else None
            else:
                expected = cell["summary"][metric]
            got = None if value["value"] is None else float(value["value"])
            if got != expected:
                failures.append(f"{cell['cell_id']} {metric}: page {got}, results.json {expected}")
                continue
            shown = shown_number(value["text"])
            if expected is None:
                if shown is not None:
                    failures.append(f"{cell['cell_id']} {metric}: shows {value['text']!r} for null")
                continue
            want = expected * UNIT.get(metric, 1)
            if shown is None or abs(shown - want) > max(0.006 * abs(want), 0.051):
                failures.append(f"{cell['cell_id']} {metric}: shows {value['text']!r}, "
                                f"results.json {expected}")
            checked += 1
    # Every load cell of results.json has its row.
    load_cells = {(c["variant"], c["server"], c["scenario"]) for c in cells
                  if c["scenario_kind"] in ("concurrency_sweep", "rate_sweep")}
    shown_cells = {(r["variant"], r["server"], r["scenario"]) for r in rows}
    if not load_cells <= shown_cells:
        failures.append(f"cells without an overview row: {sorted(load_cells - shown_cells)}")
    return checked


MARKS = (("inconclusive_levels", "inconclusive"), ("unstable_levels", "unstable"),
         ("lag_flagged_levels", "lag"), ("disturbed_levels", "noisy"))


def check_validity(rows, warnings, results, failures):
    """Inconclusive, unstable, lagging and noisy levels are shown as such: each overview row names
    its cell's marks as results.json counts them, and the warnings at the top list every such
    level. Returns how many marked levels the warnings list."""
    cells = {(c["variant"], c["server"], c["scenario"]): c for c in results["cells"]}
    for row in rows:
        cell = cells.get((row["variant"], row["server"], row["scenario"]))
        if cell is None or cell["status"] != "ok":
            continue
        summary = cell["summary"]
        marks = ", ".join(f"{summary[key]} {name}" for key, name in MARKS if summary[key])
        if not summary["levels"]:
            want = ""
        elif marks:
            want = f"{marks} of {summary['levels']} (why)"
        else:
            want = f"{summary['levels']} ok"
        if row["levels"] != want:
            failures.append(f"{cell['cell_id']} levels: shows {row['levels']!r}, want {want!r}")
    listed = 0
    for key, kind in MARKS:
        want = sum(c["summary"][key] for c in results["cells"])
        got = warnings.get(kind, 0)
        if got != want:
            failures.append(f"warnings: {got} {kind} levels listed, results.json counts {want}")
        listed += got
    return listed


WARNINGS_JS = """
Array.from(document.querySelectorAll('#warnings li[data-kind]')).reduce((count, li) => {
  count[li.dataset.kind] = (count[li.dataset.kind] || 0) + 1;
  return count;
}, {})
"""

OVERVIEW_JS = """
Array.from(document.querySelectorAll('#overview tr[data-server]')).map(tr => ({
  variant: tr.closest('[data-variant]').dataset.variant,
  server: tr.dataset.server,
  scenario: tr.dataset.scenario,
  levels: tr.querySelector('td.levels') ? tr.querySelector('td.levels').textContent : null,
  values: Array.from(tr.querySelectorAll('td[data-metric]')).map(td => ({
    metric: td.dataset.metric,
    value: td.hasAttribute('data-value') ? td.dataset.value : null,
    text: td.textContent})),
}))
"""

CHARTS_JS = """
Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const canvas = figure.querySelector('canvas');
  const chart = canvas && Chart.getChart(canvas);
  const r = canvas ? canvas.getBoundingClientRect() : null;
  return {
    index: figure.dataset.chart,
    section: figure.dataset.section,
    title: figure.querySelector('figcaption b').textContent,
    hollow: chart ? chart.data.datasets.reduce((n, d) => n + (Array.isArray(d.pointBackgroundColor)
        ? d.pointBackgroundColor.filter(c => c === '#ffffff').length : 0), 0) : 0,
    drawn: figure.dataset.drawn === 'true',
    points: chart ? chart.data.datasets.reduce(
        (n, d) => n + d.data.filter(p => p !== null && p !== undefined).length, 0) : 0,
    box: r ? [r.left + window.scrollX, r.top + window.scrollY,
              r.right + window.scrollX, r.bottom + window.scrollY] : null,
    area: chart ? [r.left + window.scrollX + chart.chartArea.left,
                   r.top + window.scrollY + chart.chartArea.top,
                   r.left + window.scrollX + chart.chartArea.right,
                   r.top + window.scrollY + chart.chartArea.bottom] : null,
  };
})
"""


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, fixture = sys.argv[1], pathlib.Path(sys.argv[2])
    chromium = headless_chromium.find_chromium()
    if not chromium:
        skip("chromium is not installed (scripts/setup installs Debian's chromium)")
    try:
        from PIL import Image  # pylint: disable=import-outside-toplevel
    except ImportError:
        skip("python3-pil is not installed (scripts/debian-packages.txt)")

    work = pathlib.Path(tempfile.mkdtemp(prefix="servebench-report-browser-"))
    try:
        run = work / "run"
        run.mkdir()
        shutil.copy(fixture / "journal.jsonl", run / "journal.jsonl")
        subprocess.run([binary, "report", str(run)], check=True, stdout=subprocess.DEVNULL)
        results = json.loads((run / "results.json").read_text())
        page = run / "report.html"
        failures = []
        with headless_chromium.Chromium(chromium, width=1280, height=900) as browser:
            url = browser.open(page, ready="document.documentElement.dataset.charts !== undefined")
            state = browser.evaluate("document.documentElement.dataset.charts")
            if state == "unavailable":
                skip("servebench was built without its charting library (scripts/setup runs npm ci "
                     "in src/servebench/report/web)")
            if state != "drawn":
                failures.append(f"charts: {state}")
            charts = browser.evaluate(CHARTS_JS)
            rows = browser.evaluate(OVERVIEW_JS)
            warnings = browser.evaluate(WARNINGS_JS)
            png = browser.screenshot()
            errors, requests = list(browser.console_errors), list(browser.requests)

        failures += [f"console error: {e}" for e in errors]
        failures += [f"network request: {r}" for r in requests if r != url]
        if url not in requests:
            failures.append(f"the page itself was not seen loading: {requests}")

        image = Image.open(io.BytesIO(png))
        expected_charts = len(json.loads(
            page.read_text().split('id="servebench-data">', 1)[1].split("</script>", 1)[0]
        )["charts"])
        if len(charts) != expected_charts or len(charts) < 10:
            failures.append(f"{len(charts)} charts on the page, {expected_charts} in its data")
        for chart in charts:
            name = f"chart {chart['index']} ({chart['title']})"
            if not chart["drawn"] or chart["points"] == 0:
                failures.append(f"{name}: not drawn, {chart['points']} points")
                continue
            box = [round(v) for v in chart["box"]]
            if box[2] - box[0] < 200 or box[3] - box[1] < 150:
                failures.append(f"{name}: too small, {box}")
                continue
            share = coloured_share(image, [round(v) for v in chart["area"]])
            if share < 0.002:
                failures.append(f"{name}: blank in the screenshot ({share:.2%} coloured)")
        # Inconclusive and unstable levels are hollow points of the latency charts (p99 and p50).
        doubtful = sum(1 for c in results["cells"] for level in c["levels"]
                       if level["load"]["latency_us"]["count"] > 0 and
                       (level["slo_verdict"] == "inconclusive" or level["max_duration_reached"]))
        hollow = sum(c["hollow"] for c in charts if c["section"] == "latency-throughput")
        if hollow != 2 * doubtful:
            failures.append(f"latency charts: {hollow} hollow points, want 2 x {doubtful}")
        checked = check_overview(rows, results, failures)
        if checked < 50:
            failures.append(f"only {checked} overview numbers checked")
        marked = check_validity(rows, warnings, results, failures)
        if marked == 0:
            failures.append("no marked level in the warnings: the fixture has lagging levels")

        for failure in failures:
            print("FAIL:", failure)
        print(f"{len(charts)} charts drawn, {checked} overview numbers equal to results.json, "
              f"{marked} marked levels in the warnings, {len(errors)} console errors, "
              f"{len(requests) - 1} network requests")
        print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
