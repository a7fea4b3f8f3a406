"""The kiosk page in a real browser: Debian's chromium driven through chromium-driver by
selenium, at the touchscreen's 1024x600.

    kiosk_browser.py BASE_URL SCREENSHOT_DIR OPERATOR PIN SAMPLE

Signs in, starts a run on sim:lfr with assay crp, watches it finish, reads the
concentration off the page, finds the sample in the upload queue, and checks the touch
targets; saves a screenshot of each step. Then parses /metrics with prometheus_client's
text-format parser. Prints one JSON object on stdout; any failure exits non-zero.
"""
import json
import os
import sys
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def browser():
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1024,600", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.binary_location = os.environ.get("PRECIS_CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("PRECIS_CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1024, "height": 600, "deviceScaleFactor": 1, "mobile": False})
    return driver


def main():
    base, shots, operator, pin, sample = sys.argv[1:6]
    os.makedirs(shots, exist_ok=True)
    saved = []
    training_shown = []

    def shot(driver, name):
        path = os.path.join(shots, name)
        driver.save_screenshot(path)
        saved.append(path)
        training_shown.append(driver.find_element(By.ID, "training").is_displayed())

    driver = browser()
    wait = WebDriverWait(driver, 60, poll_frequency=0.05)
    try:
        driver.get(base + "/")
        wait.until(lambda d: d.find_element(By.ID, "signin-operator").is_displayed())
        shot(driver, "01-sign-in.png")
        driver.find_element(By.ID, "signin-operator").send_keys(operator)
        driver.find_element(By.ID, "signin-pin").send_keys(pin)
        driver.find_element(By.ID, "signin-button").click()
        wait.until(lambda d: d.find_element(By.ID, "app").is_displayed())
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#run-device option[value='sim:lfr']"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#run-assay option[value='crp']"))
        wait.until(lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
        Select(driver.find_element(By.ID, "run-device")).select_by_value("sim:lfr")
        Select(driver.find_element(By.ID, "run-assay")).select_by_value("crp")
        driver.find_element(By.ID, "run-sample").send_keys(sample)
        shot(driver, "02-signed-in.png")
        targets = touch_targets(driver)
        driver.find_element(By.ID, "run-start").click()
        phases = set()

        def finished(d):
            phases.add(d.find_element(By.ID, "run-phase").get_attribute("data-phase") or "")
            return d.find_element(By.ID, "result-value").text.strip() != ""
        # the run in progress: wait until part of the live trace is drawn (the simulator reads
        # 501 points in about 2 s), then take the picture
        wait.until(lambda d: (phases.add(d.find_element(By.ID, "run-phase").get_attribute("data-phase") or "")
                              or d.execute_script("return state.trace.length") >= 150
                              or d.find_element(By.ID, "result-value").text.strip() != ""))
        trace_points_mid_run = driver.execute_script("return state.trace.length")
        shot(driver, "03-running.png")
        wait.until(finished)
        time.sleep(0.5)  # let the result plot draw
        concentration = driver.find_element(By.ID, "result-value").text.strip()
        flags = driver.find_element(By.ID, "result-flags").text.strip()
        title = driver.find_element(By.ID, "run-title").text.strip()
        shot(driver, "04-result.png")
        driver.find_element(By.CSS_SELECTOR, "nav .tab[data-tab='queue']").click()
        row = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#queue-table tr[data-sample='{sample}']"))[0]
        queue_row = row.text
        shot(driver, "05-queue.png")
        driver.find_element(By.CSS_SELECTOR, "nav .tab[data-tab='results']").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results-list .item"))
        driver.find_element(By.CSS_SELECTOR, "#results-list .item").click()
        wait.until(lambda d: d.find_element(By.ID, "result-detail").is_displayed())
        time.sleep(0.5)
        shot(driver, "06-result-detail.png")
        viewport = driver.execute_script("return [window.innerWidth, window.innerHeight, document.documentElement.scrollWidth]")
        body_font = driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    finally:
        driver.quit()

    metrics_text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    families = {f.name: f for f in text_string_to_metric_families(metrics_text)}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    print(json.dumps({
        "concentration": concentration, "flags": flags, "title": title, "queueRow": queue_row,
        "phasesSeen": sorted(p for p in phases if p), "tracePointsMidRun": trace_points_mid_run, "screenshots": saved, "viewport": viewport,
        "bodyFontPx": body_font, "smallestTouchTargetPx": min(t["height"] for t in targets), "touchTargets": targets,
        "metricFamilies": sorted(families), "runsCompleted": samples.get(("precis_runs", (("status", "COMPLETED"),))),
        "queueDepth": samples.get(("precis_upload_queue_depth", ())),
        "trainingShown": training_shown,
        "samplesTotal": samples.get(("precis_samples_total", ())),
    }))


def touch_targets(driver):
    """Every visible button, select and input: its id or text and its rendered height in CSS px."""
    found = driver.execute_script("""
        return [...document.querySelectorAll('button, select, input')]
          .filter(e => e.offsetParent !== null)
          .map(e => ({name: e.id || e.textContent.trim(), height: e.getBoundingClientRect().height,
                      width: e.getBoundingClientRect().width}));""")
    return found


if __name__ == "__main__":
    main()
