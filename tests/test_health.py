from tests.conftest import count_queries


def test_health_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database(app_factory, tmp_path):
    missing = f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    app = app_factory(fresh=False, SQLALCHEMY_DATABASE_URI=missing)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}


def test_health_reads_nothing_but_the_database_answering(app, client, app_factory):
    """A load balancer asks often: one statement, and no table (not even the settings)
    needed, so it answers on an empty database too."""
    with count_queries(app) as counted:
        assert client.get("/health").status_code == 200
    assert counted.statements == ["SELECT 1"]
    empty = app_factory(tables=False)
    response = empty.test_client().get("/health")
    assert (response.status_code, response.json) == (200, {"status": "ok", "database": "ok"})
