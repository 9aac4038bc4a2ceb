from mentorship.accounts.models import User, UserRole
from mentorship.checkins.models import Checkin, CheckinAnswer
from mentorship.extensions import db
from mentorship.matching.models import Match, MatchFlag
from mentorship.programme.models import Neighbourhood


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (User, UserRole, Neighbourhood, Match, Checkin, CheckinAnswer,
                          MatchFlag)
        )


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = counts(app)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(app) == first
    with app.app_context():
        emails = set(db.session.scalars(db.select(User.email)))
    for role in ("admin", "coordinator", "mentor", "newcomer", "partner"):
        assert f"{role}@example.org" in emails


def test_demo_accounts_log_in(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client = app.test_client()
    for email in ("admin@example.org", "newcomer@example.org"):
        response = client.post("/login", data={"email": email, "password": "demo-password-2026"})
        assert response.status_code == 303
        client.post("/logout")


def test_create_admin_command(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "Boss@Example.org"])
    assert result.exit_code == 0, result.output
    assert "Password (shown once" in result.output
    password = result.output.strip().rsplit(" ", 1)[-1]
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="boss@example.org"))
        assert user.has_role("admin") and user.has_role("coordinator")
        assert user.check_password(password)


def test_create_admin_promotes_an_existing_account(app, make_user):
    account = make_user("resident")
    result = app.test_cli_runner().invoke(args=["users", "create-admin", account.email])
    assert "Password" not in result.output
    with app.app_context():
        assert db.session.get(User, account.id).role_names == {"resident", "admin"}
