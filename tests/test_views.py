"""customer_flow/views.py: the project-wide pages (the dashboard has its own file)."""

from __future__ import annotations


def test_the_health_check_answers_without_sign_in_and_reveals_nothing(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
