"""Approval happens in volunteering, training reacts to it through a signal: volunteering
never imports training (the area above it)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest

import mentorship
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.training.models import Certificate, ModuleCompletion
from mentorship.volunteering import services as volunteering
from mentorship.volunteering.models import ACTIVE, AWAITING_TRAINING, ENDED_EARLY, Commitment
from tests.training.conftest import user


def imported_modules(path):
    """Every module a source file imports, relative ones written as dots + name."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_volunteering_never_imports_training():
    package = Path(mentorship.__file__).parent / "volunteering"
    imports = {(path.name, name) for path in package.glob("*.py")
               for name in imported_modules(path)}
    assert imports, "no import found: the check would pass without looking"
    assert [pair for pair in imports if "training" in pair[1].split(".")] == []


def approve(app, resident, coordinator, role="mentor"):
    """Apply through volunteering and approve; returns the new commitment's status."""
    with app.app_context():
        today = programme_today()
        application = volunteering.submit_application(
            user(resident), volunteering.get_role(role), motivation="I want to help.",
            languages=[], neighbourhood_id=None, availability=["tue-evening"],
            start_date=today + timedelta(days=7), pledge=True, today=today)
        db.session.commit()
        volunteering.decide(user(coordinator), application.id, "approve", "", notify=False)
        db.session.commit()
        return db.session.scalar(db.select(Commitment.status).where(
            Commitment.user_id == resident.id, Commitment.application_id == application.id))


def complete(app, account, module_id):
    with app.app_context():
        db.session.add(ModuleCompletion(user_id=account.id, module_id=module_id,
                                        completed_on=programme_today(), via="session"))
        db.session.commit()


def certificates(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Certificate))


def test_approval_waits_for_training_when_a_required_module_is_missing(app, make_user,
                                                                      make_module):
    make_module(roles=("mentor",))
    resident, coordinator = make_user("resident"), make_user("coordinator")
    assert approve(app, resident, coordinator) == AWAITING_TRAINING
    assert certificates(app) == 0


def test_someone_who_did_the_modules_starts_on_approval_and_gets_the_certificate(
        app, make_user, make_module):
    module_id = make_module(roles=("mentor",))
    resident, coordinator = make_user("resident"), make_user("coordinator")
    complete(app, resident, module_id)
    assert approve(app, resident, coordinator) == ACTIVE
    assert certificates(app) == 1


@pytest.mark.parametrize("role", ["mentor", "language_buddy"])
def test_a_certificate_holder_who_applies_again_starts_on_approval(app, make_user,
                                                                   make_module, role):
    """Trained and certified as a mentor, the person ended early; they come back (as a
    mentor, or in another role needing the same module) and start at once."""
    module_id = make_module(roles=("mentor", "language_buddy"))
    resident, coordinator = make_user("resident"), make_user("coordinator")
    complete(app, resident, module_id)
    assert approve(app, resident, coordinator, "mentor") == ACTIVE
    with app.app_context():
        first = db.session.scalar(db.select(Commitment).where(
            Commitment.user_id == resident.id))
        first.status, first.current_role, first.ended_on = ENDED_EARLY, None, programme_today()
        db.session.commit()
    assert approve(app, resident, coordinator, role) == ACTIVE
    assert certificates(app) == (1 if role == "mentor" else 2)
