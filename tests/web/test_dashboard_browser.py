"""The review dashboard in a real headless Chromium: sign in, queue, item with heatmap and timeline,
decision, audit log. Screenshots go to $SYNTHGUARD_TEST_ARTIFACTS/web (default var/service/test-artifacts/web).
Skips when /usr/bin/chromium or selenium is missing."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image

from synthguard.detectors import Detector, DetectorCard, registry
from synthguard.media import Media
from synthguard.results import Artifact, Evidence, FrameScore, Region, Segment
from synthguard.service import ServiceConfig, create_app
from synthguard.store import Store, StoreConfig

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SYNTHGUARD_TEST_ARTIFACTS", ROOT / "var" / "service" / "test-artifacts")) / "web"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or shutil.which("chromium") is None,
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)",
)


def _png(color: tuple[int, int, int], size: int = 64) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "PNG")
    return buf.getvalue()


class DemoDetector(Detector):
    """Evidence with everything the dashboard shows: a face box, a timeline and a heatmap."""

    card = DetectorCard(
        name="webtest.demo", version="1", modalities=("image",), description="dashboard test", threshold=0.5
    )

    def detect(self, media: Media) -> Evidence:
        heatmap = Artifact("heatmap.png", "heatmap", "image/png", data=_png((250, 30, 30), 32))
        return Evidence(
            "webtest.demo",
            "1",
            "image",
            0.7,
            0.5,
            regions=(Region(8, 8, 30, 30, 0.8, "face"),),
            frames=tuple(FrameScore(i, i * 0.5, s) for i, s in enumerate((0.3, 0.6, 0.9, 0.4))),
            segments=(
                Segment(0, 1, 0.2, "window"),
                Segment(1, 2, 0.8, "window"),
                Segment(2, 3, 0.6, "window"),
            ),
            artifacts=(heatmap,),
            notes=("dashboard test detector",),
        )


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Store]]:
    registry._load_builtin()
    monkeypatch.setitem(registry._REGISTRY, "webtest.demo", DemoDetector)  # removed again after the test
    store = Store(StoreConfig(data_dir=tmp_path))
    config = ServiceConfig(store=store.config, detectors=("webtest.demo",), poll_seconds=0.05)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(config, store=store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        srv.should_exit = True
        thread.join(20)
        store.close()


@pytest.fixture
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _sign_in(driver: Any, By: Any, wait: Any, url: str, key: str) -> None:
    driver.get(url + "/ui/")
    wait.until(lambda d: d.find_elements(By.ID, "api-key"))
    driver.find_element(By.ID, "api-key").send_keys(key)
    driver.find_element(By.ID, "login-button").click()
    wait.until(lambda d: d.find_element(By.ID, "whoami").text)


def test_review_in_a_real_browser(server: tuple[str, Store], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, store = server
    uploader = store.create_key("uploader", name="platform")[1]
    moderator = store.create_key("moderator", name="mia")[1]
    auditor = store.create_key("auditor", name="ada")[1]
    with httpx.Client(base_url=url, timeout=30) as http:
        r = http.post(
            "/v1/scans",
            files={"file": ("sofa.png", _png((90, 140, 200)), "image/png")},
            headers={"Authorization": f"Bearer {uploader}"},
        )
        job_id = r.json()["id"]
        job = http.get(
            f"/v1/scans/{job_id}", params={"wait": 20}, headers={"Authorization": f"Bearer {uploader}"}
        ).json()
    assert job["decision"] == "review"
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = browser
    # the page re-renders panels as data arrives: an element found a moment ago may be replaced
    # before its text is read, so a stale reference means "look again", not failure
    from selenium.common.exceptions import StaleElementReferenceException

    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))

    _sign_in(driver, By, wait, url, moderator)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-id="{job_id}"]'))
    driver.save_screenshot(str(SHOTS / "1-queue.png"))

    driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{job_id}"]').click()
    wait.until(
        lambda d: d.execute_script(
            "const i = document.getElementById('media-img'); const h = document.querySelector('img.heatmap');"
            "return !!(i && i.naturalWidth && h && h.naturalWidth);"
        )
    )
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart.segments rect.bar"), "segment timeline missing"
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart.frames polyline.line"), "frame timeline missing"
    assert driver.execute_script("return document.getElementById('boxes').width") == 64  # face boxes drawn
    driver.save_screenshot(str(SHOTS / "2-item.png"))

    driver.find_element(By.ID, "reason").send_keys("synthetic skin texture around the eyes")
    driver.find_element(By.ID, "btn-confirm").click()
    wait.until(lambda d: "synthetic skin texture" in d.find_element(By.ID, "history").text)
    assert "confirmed" in driver.find_element(By.ID, "verdict").text
    driver.save_screenshot(str(SHOTS / "3-decided.png"))

    driver.find_element(By.ID, "logout").click()
    _sign_in(driver, By, wait, url, auditor)
    driver.get(url + "/ui/#/audit?action=review.decision")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr.audit-row[data-action="review.decision"]'))
    row = driver.find_element(By.CSS_SELECTOR, 'tr.audit-row[data-action="review.decision"]').text
    assert "synthetic skin texture" in row and "127.0.0.1" in row
    driver.find_element(By.ID, "verify").click()
    wait.until(lambda d: "chain OK" in d.find_element(By.ID, "verify-msg").text)
    driver.save_screenshot(str(SHOTS / "4-audit.png"))
    driver.get(url + "/ui/#/overview")
    wait.until(lambda d: d.find_elements(By.ID, "stat-total"))
    driver.save_screenshot(str(SHOTS / "5-overview.png"))
    logs = driver.get_log("browser") if hasattr(driver, "get_log") else []
    assert not [e for e in logs if e.get("level") == "SEVERE"], logs


def test_uploader_key_cannot_open_the_dashboard(server: tuple[str, Store], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, store = server
    uploader = store.create_key("uploader")[1]
    browser.get(url + "/ui/")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_elements(By.ID, "api-key"))
    browser.find_element(By.ID, "api-key").send_keys(uploader)
    browser.find_element(By.ID, "login-button").click()
    wait.until(lambda d: "cannot open" in d.find_element(By.ID, "login-error").text)
