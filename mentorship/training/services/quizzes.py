"""The quiz of an online module: scoring, and completion when it is passed."""

from ...dates import programme_today
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ..models import QuizAttempt
from . import TrainingError, may_train
from .certification import complete_module


def score_quiz(module, answers):
    """Percentage of questions answered right; ``answers`` maps question index to option index."""
    if not module.quiz:
        return 0
    right = 0
    for index, question in enumerate(module.quiz):
        chosen = answers.get(index)
        options = question["options"]
        if chosen is not None and 0 <= chosen < len(options) and options[chosen]["correct"]:
            right += 1
    return round(100 * right / len(module.quiz))


def submit_quiz(user, module, answers, today=None):
    """Score an attempt (retries are allowed); passing completes the module."""
    if not module.has_quiz:
        raise TrainingError(_l("This module has no quiz."))
    if not may_train(user):
        raise TrainingError(_l("Training opens once your application is approved."))
    score = score_quiz(module, answers)
    attempt = QuizAttempt(user_id=user.id, module_id=module.id, score=score,
                          passed=score >= module.pass_mark)
    db.session.add(attempt)
    db.session.flush()
    if attempt.passed:
        complete_module(user, module, today or programme_today(), "quiz")
    return attempt
