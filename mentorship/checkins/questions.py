"""Coordinators edit the check-in questions: their wording in each language and whether
they are asked. Changed wording is a new version; answers keep the version they were
given to, so the effects never compare an answer with a question it was not asked."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..database import locked_one
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import AUDIENCES, CheckinQuestion, CheckinQuestionVersion
from .services import ensure_questions

WORDING_LIMIT = 500


class QuestionError(DomainError):
    """A refused change to a question."""


def all_questions():
    """Every question, each audience's in the order they are asked: {audience: [...]}."""
    ensure_questions()
    rows = db.session.scalars(
        select(CheckinQuestion).options(selectinload(CheckinQuestion.versions))
        .order_by(CheckinQuestion.position, CheckinQuestion.id)).all()
    return {audience: [q for q in rows if q.audience == audience] for audience in AUDIENCES}


def question(question_id):
    """One question with its versions, or None."""
    return db.session.scalar(
        select(CheckinQuestion).options(selectinload(CheckinQuestion.versions))
        .where(CheckinQuestion.id == question_id))


def _clean(texts, languages):
    """The wording kept: stripped, English required, an empty language left out (its
    check-ins show the English wording)."""
    cleaned = {}
    for locale in languages:
        text = (texts.get(locale) or "").strip()
        if len(text) > WORDING_LIMIT:
            raise QuestionError(_l("Please keep this under %(num)d characters.",
                                   num=WORDING_LIMIT), f"text_{locale}")
        if text:
            cleaned[locale] = text
    if "en" not in cleaned:
        raise QuestionError(_l("Please give the English wording: it is the one shown when "
                               "a language has none."), "text_en")
    return cleaned


def update(actor, question_id, texts, is_active, languages):
    """Save a question's wording in ``languages`` and whether it is asked. Changed wording
    becomes version + 1 (the old one stays with the answers given to it); the same
    wording makes no version. Returns (question, what changed: a set of "wording",
    "active")."""
    found = locked_one(CheckinQuestion, question_id)  # two coordinators saving at once
    if found is None:
        raise QuestionError(_l("This question does not exist."), status=404)
    cleaned = _clean(texts, languages)
    changed = set()
    current = found.current
    # Languages the form does not show (none today) keep their wording.
    wording = {**{k: v for k, v in current.texts.items() if k not in languages}, **cleaned}
    if wording != current.texts:
        found.version = current.version + 1
        found.versions.append(CheckinQuestionVersion(
            version=found.version, texts=wording, created_by_id=actor.id))
        record(actor, "checkin_question.reworded", found, wording.get("en"),
               key=found.key, version=found.version)
        changed.add("wording")
    if bool(is_active) != found.is_active:
        found.is_active = bool(is_active)
        record(actor, "checkin_question.activated" if is_active
               else "checkin_question.deactivated", found, key=found.key)
        changed.add("active")
    return found, changed
