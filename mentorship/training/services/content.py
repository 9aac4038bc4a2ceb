"""Modules: their content (Markdown, sanitised), their quiz and the roles that take them."""

from collections import defaultdict

import markdown
import nh3
from markupsafe import Markup
from sqlalchemy import select

from ...audit.services import record
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ..models import ONLINE, REQUIRED, ModuleRole, TrainingModule
from . import TrainingError


def render_markdown(text):
    """Markdown to HTML that is safe to show: no script, no event handler, no style;
    links get rel="noopener noreferrer"."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"])
    clean = nh3.clean(html, link_rel="noopener noreferrer", url_schemes={"http", "https", "mailto"})
    # bandit B704: the HTML was sanitised by nh3 on the line above.
    return Markup(clean)  # noqa: S704  # nosec B704


def parse_quiz(source):
    """Read a quiz written as plain lines.

    ``? question``, then one option per line: ``* right answer`` or ``- wrong answer``.
    Returns (questions, error); each question needs two options or more and exactly
    one right answer.
    """
    questions = []
    for number, raw in enumerate((source or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        marker, text = line[:1], line[1:].strip()
        if marker == "?" and text:
            questions.append({"question": text, "options": []})
        elif marker in "*-" and text and questions:
            questions[-1]["options"].append({"text": text, "correct": marker == "*"})
        else:
            return [], _l("Line %(number)d: start it with ? for a question, * for the right "
                          "answer or - for a wrong answer.", number=number)
    for index, question in enumerate(questions, start=1):
        rights = sum(option["correct"] for option in question["options"])
        if len(question["options"]) < 2 or rights != 1:
            return [], _l("Question %(number)d needs at least two answers, exactly one of "
                          "them marked with *.", number=index)
    return questions, None


def save_module(actor, module, *, title, summary, content, kind, duration_minutes,
                quiz_source, pass_mark, requirements):
    """Create or update a module; ``requirements`` maps role code to REQUIRED,
    OPTIONAL or '' (not for this role)."""
    questions, error = parse_quiz(quiz_source)
    if error:
        raise TrainingError(error, "quiz_source")
    if kind == ONLINE and not questions:
        raise TrainingError(_l("An online module needs a quiz."), "quiz_source")
    creating = module is None
    module = module or TrainingModule()
    module.title, module.summary, module.content = title.strip(), summary.strip(), content
    module.kind, module.duration_minutes, module.pass_mark = kind, duration_minutes, pass_mark
    module.quiz, module.quiz_source = questions, quiz_source or ""
    wanted = {role: level for role, level in requirements.items() if level}
    for link in list(module.roles):
        if link.role not in wanted:
            module.roles.remove(link)
        else:
            link.required = wanted.pop(link.role) == REQUIRED
    for role, level in wanted.items():
        module.roles.append(ModuleRole(role=role, required=level == REQUIRED))
    db.session.add(module)
    db.session.flush()
    record(actor, "module.created" if creating else "module.updated", module)
    return module


def all_modules():
    """Every module, in the programme's order, with the roles it counts for."""
    return db.session.scalars(
        select(TrainingModule).options(db.joinedload(TrainingModule.roles))
        .order_by(TrainingModule.position, TrainingModule.id)).unique().all()


def required_modules_by_role():
    """Role code → ids of the modules that role must complete."""
    rows = db.session.execute(
        select(ModuleRole.role, ModuleRole.module_id).where(ModuleRole.required.is_(True))
    ).all()
    by_role = defaultdict(set)
    for role, module_id in rows:
        by_role[role].add(module_id)
    return by_role
