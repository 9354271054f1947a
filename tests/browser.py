"""Headless Chromium for tests that look at a page as a person would.

Debian's `chromium` driven by Playwright (never `playwright install`: nothing is downloaded).
Pages may only reach loopback addresses: every other request is aborted, so a page that
tries to call out cannot, and a test never depends on the network.

Fixtures (conftest.py imports them for every test module):
- `chromium`: the session's headless browser (playwright `Browser`).
- `browser_page`: a fresh page in its own context, 1600x1000, loopback only.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("O4O_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
VIEWPORT = {"width": 1600, "height": 1000}


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"file", "data", "blob", "about"} or (parsed.hostname or "") in LOOPBACK_HOSTS


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    yield page
    context.close()
