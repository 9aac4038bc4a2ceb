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
