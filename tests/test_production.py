"""Production refuses to start half-configured, and tells browsers to stay on HTTPS."""

import pytest

from mentorship import create_app
from mentorship.extensions import db

GOOD_KEY = "k" * 32


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("BASE_URL", "https://volunteers.example.org/")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    return monkeypatch


@pytest.mark.parametrize("key", ["", "x", "k" * 31])
def test_production_refuses_a_short_secret_key(production_env, key):
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="32 bytes"):
        create_app("production")


def test_production_refuses_to_start_without_base_url(production_env):
    production_env.delenv("BASE_URL")
    with pytest.raises(RuntimeError, match="BASE_URL is not set"):
        create_app("production")


def test_production_sends_hsts_with_the_configured_max_age(production_env):
    from config import ProductionConfig

    config = ProductionConfig()
    config.HSTS_MAX_AGE = 600  # as read from HSTS_MAX_AGE
    app = create_app(config)
    try:
        assert app.config["BASE_URL"] == "https://volunteers.example.org"
        response = app.test_client().get("/health", base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"] == "max-age=600"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/health").headers


@pytest.mark.parametrize("path", [
    "/awards/9999999999999999999999999", "/awards/2147483648",
    "/impact/reports/" + "9" * 5000, "/perks/passes/2147483648",
])
def test_numbers_beyond_the_database_are_not_found(client, path):
    assert client.get(path).status_code == 404
