"""The Content-Security-Policy allows only script and style files: templates must
not rely on anything inline, or the browser silently drops it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

TEMPLATES = sorted((settings.BASE_DIR / "templates").rglob("*.html"))
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "an inline style= attribute"),
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"\shx-on[:\-]", re.I), "an hx-on handler (evaluated code)"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"https?://(?!www\.w3\.org)", re.I), "an external URL (a CDN?)"),
]


@pytest.mark.parametrize(
    "path", TEMPLATES, ids=[str(p.relative_to(settings.BASE_DIR)) for p in TEMPLATES]
)
def test_template_uses_no_inline_code_or_outside_assets(path):
    text = path.read_text(encoding="utf-8")
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{path.name} has {what}"


def test_pages_send_a_csp_that_allows_only_own_scripts_and_styles(agent_client):
    policy = agent_client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
