
import pytest

from tests.conftest import page_text, throwaway_redis


def fail_login(client, email, address):
    return client.post("/login", data={"email": email, "password": "wrong password!"},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def pauses(monkeypatch):
    """The slow-downs applied to logins (TestConfig makes them last 0 seconds)."""
    from mentorship.accounts import throttle

    applied = []
    monkeypatch.setattr(throttle, "pause", applied.append)
    return applied


def log_in_from(app, account, address):
    return app.test_client().post("/login", data={"email": account.email,
                                                  "password": account.password},
                                  environ_base={"REMOTE_ADDR": address})


def test_failures_from_one_address_never_lock_the_owner_out(app, client, make_user):
    account = make_user("resident")
    for _attempt in range(60):
        assert fail_login(client, account.email, "10.0.0.1").status_code in (422, 429)
    # The owner, elsewhere, logs in; the guesser's address stays refused.
    assert log_in_from(app, account, "10.0.0.2").status_code == 303
    refused = log_in_from(app, account, "10.0.0.1")
    assert refused.status_code == 429
    assert "too many attempts" in page_text(refused).lower()


def test_an_address_shared_by_many_people_still_limits_each_account(app_factory):
    # A community centre's wifi: the address limit is raised, each account keeps its own.
    app = app_factory(LOGIN_ADDRESS_LIMIT="100 per 15 minutes")
    client = app.test_client()
    for _attempt in range(10):
        assert fail_login(client, "amina@example.org", "10.0.0.1").status_code == 422
    assert fail_login(client, "amina@example.org", "10.0.0.1").status_code == 429
    assert fail_login(client, "AMINA@example.org ", "10.0.0.1").status_code == 429
    assert fail_login(client, "amina@example.org", "10.0.0.2").status_code == 422
    assert fail_login(client, "olena@example.org", "10.0.0.1").status_code == 422


def test_failures_from_many_addresses_slow_the_account_down_but_never_refuse_it(
        app, client, make_user, pauses):
    account = make_user("resident")
    for attempt in range(10):
        assert fail_login(client, account.email, f"10.0.0.{attempt}").status_code == 422
    assert pauses == []
    # From here on every attempt for this account waits, the guesser's and the owner's.
    assert fail_login(client, account.email, "10.0.1.1").status_code == 422
    assert pauses == [app.config["LOGIN_SLOWDOWN_SECONDS"]]
    assert log_in_from(app, account, "10.0.2.2").status_code == 303
    assert len(pauses) == 2
    # Other accounts are not slowed down.
    assert log_in_from(app, make_user("resident"), "10.0.2.2").status_code == 303
    assert len(pauses) == 2


def test_eleventh_failed_login_from_an_address_is_refused(client):
    for attempt in range(10):
        assert fail_login(client, f"user{attempt}@example.org", "10.9.9.9").status_code == 422
    assert fail_login(client, "another@example.org", "10.9.9.9").status_code == 429
    assert fail_login(client, "another@example.org", "10.9.9.10").status_code == 422


def test_successful_logins_do_not_count(client, make_user):
    account = make_user("resident")
    for _ in range(12):
        response = client.post("/login", data={"email": account.email,
                                               "password": account.password})
        assert response.status_code == 303
        client.post("/logout")


def test_reset_requests_are_limited(client):
    for _ in range(5):
        response = client.post("/reset-password", data={"email": "someone@example.org"})
        assert response.status_code == 200
    assert client.post("/reset-password",
                       data={"email": "someone@example.org"}).status_code == 429


def test_rate_limit_page_is_translated(client):
    for _attempt in range(10):
        fail_login(client, "x@example.org", "10.0.0.1")
    client.post("/language", data={"language": "fr"})
    response = fail_login(client, "x@example.org", "10.0.0.1")
    assert response.status_code == 429
    assert "Trop de tentatives" in page_text(response)


@pytest.fixture
def redis_url():
    with throwaway_redis() as url:
        yield url


def test_limits_are_shared_between_workers_through_redis(app_factory, redis_url, monkeypatch):
    """Two app instances (two workers) count failures in one place."""
    from mentorship.accounts import throttle

    pauses = []
    monkeypatch.setattr(throttle, "pause", pauses.append)
    worker_a = app_factory(RATELIMIT_STORAGE_URI=redis_url)
    client_a = worker_a.test_client()
    for attempt in range(5):
        assert fail_login(client_a, "shared@example.org", "10.1.0.1").status_code == 422
        assert fail_login(client_a, "spread@example.org", f"10.4.0.{attempt}").status_code == 422
    worker_b = app_factory(fresh=False, RATELIMIT_STORAGE_URI=redis_url)
    client_b = worker_b.test_client()
    for attempt in range(5):
        assert fail_login(client_b, "shared@example.org", "10.1.0.1").status_code == 422
        assert fail_login(client_b, "spread@example.org", f"10.5.0.{attempt}").status_code == 422
    assert fail_login(client_a, "shared@example.org", "10.1.0.1").status_code == 429
    assert pauses == []
    assert fail_login(client_a, "spread@example.org", "10.6.0.1").status_code == 422
    assert len(pauses) == 1
