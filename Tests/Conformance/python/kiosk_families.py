"""Runs of every family through the kiosk page in a real browser (Debian's chromium through
chromium-driver, as kiosk_browser.py), at the touchscreen's 1024x600.

    kiosk_families.py BASE_URL SCREENSHOT_DIR OPERATOR PIN RUNS_JSON

RUNS_JSON is a list of runs, each {"name", "device", "options", "assay", "lot", "sample",
"layout"} ("options": the simulator's, typed into the form; "layout": a file given to the
layout input). For each: signs in (once), fills the form, starts the run, follows the live
plot while it runs (the page counts the points it drew), reads the results shown (a row
each on a run of several), finds their samples in the upload queue, and opens the run's
detail (drawn from the stored raw data). Saves a screenshot of each step. Prints one JSON
object on stdout; any failure exits non-zero.
"""
import json
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk_browser import browser, touch_targets


def main():
    base, shots, operator, pin, runs_json = sys.argv[1:6]
    runs = json.loads(runs_json)
    os.makedirs(shots, exist_ok=True)
    saved, training_shown = [], []

    def shot(driver, name):
        path = os.path.join(shots, name)
        driver.save_screenshot(path)
        saved.append(path)
        training_shown.append(driver.find_element(By.ID, "training").is_displayed())

    driver = browser()
    wait = WebDriverWait(driver, 90, poll_frequency=0.02)
    out = []
    targets = []
    try:
        driver.get(base + "/")
        wait.until(lambda d: d.find_element(By.ID, "signin-operator").is_displayed())
        driver.find_element(By.ID, "signin-operator").send_keys(operator)
        driver.find_element(By.ID, "signin-pin").send_keys(pin)
        driver.find_element(By.ID, "signin-button").click()
        wait.until(lambda d: d.find_element(By.ID, "app").is_displayed())
        wait.until(lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
        for n, run in enumerate(runs, 1):
            out.append(one_run(driver, wait, run, n, shot, targets))
        viewport = driver.execute_script("return [window.innerWidth, window.innerHeight, document.documentElement.scrollWidth]")
        body_font = driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    finally:
        driver.quit()
    print(json.dumps({
        "runs": out, "screenshots": saved, "trainingShown": training_shown, "viewport": viewport, "bodyFontPx": body_font,
        "smallestTouchTargetPx": min(t["height"] for t in targets), "touchTargets": targets,
    }))


def one_run(driver, wait, run, n, shot, targets):
    name = run["name"]
    driver.find_element(By.CSS_SELECTOR, "nav .tab[data-tab='run']").click()
    device = run["device"]
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#run-device option[value='{device}']"))
    Select(driver.find_element(By.ID, "run-device")).select_by_value(device)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#run-assay option[value='{run['assay']}']"))
    Select(driver.find_element(By.ID, "run-assay")).select_by_value(run["assay"])
    sim = driver.find_element(By.ID, "run-sim")
    sim.clear()
    if run.get("options"):
        sim.send_keys(run["options"])
    if run.get("lot"):
        Select(driver.find_element(By.ID, "run-lot")).select_by_value(run["lot"])
    layout_shown = driver.find_element(By.ID, "run-layout").is_displayed()
    lot_shown = driver.find_element(By.ID, "run-lot").is_displayed()
    if run.get("layout"):
        driver.find_element(By.ID, "run-layout").send_keys(run["layout"])
    sample_label = driver.find_element(By.ID, "run-sample-label").text.strip()
    driver.find_element(By.ID, "run-sample").send_keys(run["sample"])
    shot(driver, f"{n:02d}-{name}-form.png")
    targets.extend(touch_targets(driver))
    driver.find_element(By.ID, "run-start").click()

    # the run in progress: the live plot as the page counts it, until the result is shown
    seen_live, mid_run_shot = [], None
    phases = set()

    def finished(d):
        phases.add(d.find_element(By.ID, "run-phase").get_attribute("data-phase") or "")
        error = d.find_element(By.ID, "run-error").text.strip()
        if error:
            raise RuntimeError(f"{name}: the page shows an error: {error}")
        return d.find_element(By.ID, "result-value").text.strip() != ""

    deadline = time.monotonic() + 90
    steps_confirmed = []
    while not finished(driver):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: no result shown in 90 s")
        # a step the operator must carry out: read what the page asks, then touch Done
        step = driver.find_element(By.ID, "run-step")
        if run.get("confirmSteps") and step.is_displayed():
            button = driver.find_element(By.ID, "run-step-done")
            if button.is_enabled() and (not steps_confirmed or steps_confirmed[-1]["step"] != button.get_attribute("data-step")):
                steps_confirmed.append({"step": button.get_attribute("data-step"),
                                        "text": driver.find_element(By.ID, "run-step-text").text.strip(),
                                        "phase": driver.find_element(By.ID, "run-phase").text.strip()})
                if len(steps_confirmed) == 1:
                    shot(driver, f"{n:02d}-{name}-step.png")
                    targets.extend(touch_targets(driver))
                button.click()
        points = driver.execute_script("return state.drawn.live")
        seen_live.append(points)
        if points and mid_run_shot is None:
            mid_run_shot = f"{n:02d}-{name}-running.png"
            shot(driver, mid_run_shot)
        time.sleep(0.02)
    # the result plot comes from the stored raw data once the result is in
    wait.until(lambda d: d.execute_script("return state.drawn.result") > 0)
    drawn = driver.execute_script("return state.drawn")
    value = driver.find_element(By.ID, "result-value").text.strip()
    flags = driver.find_element(By.ID, "result-flags").text.strip()
    interpretation = driver.find_element(By.ID, "result-interpretation").text.strip()
    title = driver.find_element(By.ID, "run-title").text.strip()
    rows = result_rows(driver, "run-results")
    shot(driver, f"{n:02d}-{name}-result.png")

    run_id = driver.execute_script("return state.current.runId")
    samples = sorted({r["sample"] for r in rows}) or [run["sample"]]
    driver.find_element(By.CSS_SELECTOR, "nav .tab[data-tab='queue']").click()
    queue = {}
    for sample in samples:
        selector = f"#queue-table tr[data-sample='{sample}'][data-run-id='{run_id}']"
        # read in one go: the table is drawn again on every queue event
        queue[sample] = wait.until(lambda d: d.execute_script(
            "const rows = [...document.querySelectorAll(arguments[0])].map(r => r.innerText);"
            "return rows.length ? rows : null;", selector))
    shot(driver, f"{n:02d}-{name}-queue.png")

    driver.find_element(By.CSS_SELECTOR, "nav .tab[data-tab='results']").click()
    driver.execute_script("state.drawn.detail = 0")
    # the list is drawn again as it loads: find and touch the run's item in one go
    wait.until(lambda d: d.execute_script("""
        const item = [...document.querySelectorAll('#results-list .item')].find(e => e.textContent.includes(arguments[0]));
        if (item) item.click();
        return !!item;""", f"Run {run_id} · {run['sample']} ·"))
    wait.until(lambda d: d.find_element(By.ID, "result-detail").is_displayed())
    wait.until(lambda d: d.execute_script("return state.drawn.detail") > 0)
    detail_points = driver.execute_script("return state.drawn.detail")
    detail_series = driver.execute_script("return state.drawn.detailSeries || []")
    detail_rows = result_rows(driver, "detail-results")
    detail_title = driver.find_element(By.ID, "detail-title").text.strip()
    shot(driver, f"{n:02d}-{name}-detail.png")
    driver.find_element(By.ID, "detail-close").click()
    return {
        "name": name, "runId": run_id, "title": title, "stepsConfirmed": steps_confirmed, "value": value, "flags": flags, "rows": rows, "queue": queue,
        "layoutShown": layout_shown, "lotShown": lot_shown, "interpretation": interpretation, "sampleLabel": sample_label, "phasesSeen": sorted(p for p in phases if p),
        "livePoints": drawn["live"], "liveDraws": drawn["liveDraws"], "liveGrowth": drawn["growth"],
        "livePointsSeenWhileRunning": max(seen_live or [0]), "resultPoints": drawn["result"],
        "detailPoints": detail_points, "detailSeries": detail_series, "detailRows": detail_rows, "detailTitle": detail_title,
    }


def result_rows(driver, table):
    """The rows of a results table: sample, value, unit, flags (chips and reason), status."""
    return driver.execute_script("""
        const t = document.getElementById(arguments[0]);
        if (!t || t.hidden) return [];
        return [...t.tBodies[0].rows].map(r => ({
          sample: r.cells[0].textContent.trim(), value: r.cells[1].textContent.trim(), unit: r.cells[2].textContent.trim(),
          flags: [...r.cells[3].querySelectorAll('.flag')].map(f => f.dataset.flag),
          reason: (r.cells[3].querySelector('.reason') || {textContent: ''}).textContent.trim(),
          status: r.dataset.status, resultId: Number(r.dataset.resultId)}));""", table)


if __name__ == "__main__":
    main()
