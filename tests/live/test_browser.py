"""Real browser: headless Chromium plays a WAV as its fake microphone into the demo page.

The page captures the "microphone", streams f32le PCM over the WebSocket of a real uvicorn server,
and must show the alert banner. Skips when Chromium, chromedriver or selenium are missing.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.io.wavfile
from fastapi import FastAPI

from synthguard.live import LiveConfig
from synthguard.live.ws import LiveHub, create_router

from .conftest import Server, voice

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver (Debian: chromium-driver)"
    ),
]


def run_page(app: FastAPI, wav: Path, hub: LiveHub, timeout: float = 40.0) -> dict[str, object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ):
        opts.add_argument(flag)
    with Server(app) as srv:
        driver = webdriver.Chrome(options=opts, service=Service(DRIVER))
        try:
            driver.get(f"http://127.0.0.1:{srv.port}/live/?room=br&participant=bot&token=k&autostart=mic")
            deadline = time.time() + timeout
            state: dict[str, object] = {}
            while time.time() < deadline:
                state = driver.execute_script(
                    "return {alert: document.body.dataset.alert || null, banner: !document.getElementById('banner').hidden,"
                    " status: document.getElementById('status').textContent, live: window.synthguardLive.state(),"
                    " alerts: document.getElementById('alerts').textContent}"
                )
                if state["alert"] == "raised":
                    break
                time.sleep(0.25)
            driver.execute_script("window.synthguardLive.stop()")
            time.sleep(0.5)
            return state
        finally:
            driver.quit()


def test_demo_page_streams_fake_microphone_and_shows_alert(tmp_path: Path, loudness) -> None:
    wav = tmp_path / "loud.wav"
    x = np.concatenate([voice(2.0, amp=0.2), voice(6.0, amp=0.9, seed=1)])
    scipy.io.wavfile.write(wav, 16_000, (x * 32767).astype(np.int16))
    hub = LiveHub()
    app = FastAPI()
    app.include_router(
        create_router(
            authenticate=lambda c: c if c == "k" else None,
            detector=loudness,
            confirm=loudness,  # the second detector agrees: the page says who confirmed the alert
            hub=hub,
            config=LiveConfig(detector="unused"),
        )
    )
    state = run_page(app, wav, hub)
    assert state["alert"] == "raised" and state["banner"], state
    assert "confirmed by test.live_loudness" in str(state["alerts"]), state


@pytest.mark.data
@pytest.mark.parametrize("engine", ["piper_clip", "espeak_clip"])
def test_demo_page_alerts_on_a_synthetic_clip_with_the_speech_model(
    tmp_path: Path, speech_detector, engine: str, request: pytest.FixtureRequest
) -> None:
    wav = tmp_path / f"{engine}.wav"
    clip = request.getfixturevalue(engine)
    scipy.io.wavfile.write(wav, 16_000, (np.tile(clip, 3) * 32767).astype(np.int16))
    hub = LiveHub()
    app = FastAPI()
    app.include_router(
        create_router(
            authenticate=lambda c: c if c == "k" else None,
            detector=speech_detector,
            hub=hub,
            config=LiveConfig(),
        )
    )
    state = run_page(app, wav, hub, timeout=60.0)
    assert state["alert"] == "raised" and state["banner"], state
