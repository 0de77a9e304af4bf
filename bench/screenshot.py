"""Take the README's screenshot (docs/screenshot.png) of the app with demo data.

    .venv/bin/python bench/screenshot.py

Serves a throwaway SQLite database seeded by seed_demo with gunicorn, signs a
support agent in (a session made beforehand, as in the load test) and saves the
ticket queue at 1280×800 with Playwright and Debian's Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadtest import ROOT, _serve, free_port, prepare_database, seed  # noqa: E402


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cf-shot-"))
    env = {
        **os.environ,
        "DATABASE_URL": prepare_database(None, workdir),
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "screenshot-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
    }
    seed(env, 1, workdir / "sessions.json")
    session = json.loads((workdir / "sessions.json").read_text())[0]
    port = free_port()
    server = _serve(env, port, 1)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            base = f"http://127.0.0.1:{port}"
            page.context.add_cookies(
                [{"name": "sessionid", "value": session, "url": base}]
            )
            page.goto(f"{base}/tickets/")
            page.screenshot(path=ROOT / "docs" / "screenshot.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print("Saved docs/screenshot.png")


if __name__ == "__main__":
    main()
