"""Demo training: the four modules of the programme, sessions, completions, certificates."""

from datetime import datetime, time, timedelta

from ..dates import local_to_utc
from ..extensions import db
from .models import (
    ATTENDED,
    BOTH,
    DEFAULT_PASS_MARK,
    ENROLLED,
    IN_PERSON,
    NO_SHOW,
    ONLINE,
    OPTIONAL,
    REQUIRED,
    Enrollment,
    ModuleCompletion,
    ModuleRole,
    TrainingModule,
    TrainingSession,
)
from .services.certification import check_training
from .services.content import parse_quiz

ALL_ROLES = ("mentor", "language_buddy", "housing_helper")

WELCOMING = """\
## Why this matters

People who have just arrived often feel lost: the language, the paperwork, the
unwritten rules of daily life. A friendly local who explains how things work makes a
great difference, and fights isolation.

## What you will do

* Explain **local customs**: greetings, punctuality, queues, rubbish sorting.
* Help with **simple procedures**: the town hall, health insurance, the bank, the school.
* Introduce the newcomer to **other people** in the neighbourhood.

## What you will not do

You are not a social worker, a lawyer or an interpreter. When a question goes beyond
what you know, contact your coordinator: they know where to send people.
"""
WELCOMING_QUIZ = """\
? A newcomer asks you to fill in a form for them at the prefecture. What do you do?
- Fill it in and sign it for them
* Explain the form and help them fill it in themselves
- Tell them it is not your job
? Your newcomer has a legal problem with their residence permit.
- You give them your best advice
* You tell your coordinator, who knows the right service
"""
LANGUAGE = """\
## Everyday conversation first

Practise the language people need: shopping, the doctor, the school, the neighbours.
Speak slowly, use short sentences, repeat and rephrase, and *let silences happen*.

## Good habits

* Meet in real places: the market, the library, a café.
* Write down the new words of the day together.
* Correct gently, and only what gets in the way of understanding.
"""
LANGUAGE_QUIZ = """\
? What is the best place for a language session?
- Always at home, with a textbook
* A real place of daily life, such as the market
? Your buddy makes many small mistakes. What do you do?
- Correct every mistake at once
* Correct only what gets in the way of understanding
"""
HOUSING = """\
## Finding a home

Reading an advert, visiting a flat, preparing a tenant file: you help the newcomer do
each step, you do not do it for them.

## The lease

A lease states the rent, the charges, the deposit and the notice period. Read it
together, line by line. Never advise signing a document neither of you understands.

## Where to get help

The housing information office (ADIL) gives free legal advice. Your coordinator has
the addresses.
"""
SAFEGUARDING = """\
## Boundaries

* Meet in public places, at least at the beginning.
* Do not lend or give money. Do not take the newcomer into your home to live.
* Keep personal information private.

## When you are worried

If you think someone is in danger, or you feel uncomfortable, tell your coordinator the
same day. In an emergency, call 112.
"""

MODULES = (
    ("Welcoming newcomers: customs and procedures",
     "How daily life and simple procedures work here, and how to explain them.",
     WELCOMING, BOTH, 120, WELCOMING_QUIZ, {r: REQUIRED for r in ALL_ROLES}),
    ("Language companionship basics",
     "How to practise everyday conversation with someone learning the language.",
     LANGUAGE, ONLINE, 60, LANGUAGE_QUIZ,
     {"language_buddy": REQUIRED, "mentor": OPTIONAL}),
    ("Housing rights and tenancy paperwork",
     "Adverts, visits, tenant files and leases: the steps and the rights.",
     HOUSING, IN_PERSON, 150, "", {"housing_helper": REQUIRED}),
    ("Safeguarding and boundaries",
     "Keeping both of you safe, and what to do when you are worried.",
     SAFEGUARDING, IN_PERSON, 90, "", {r: REQUIRED for r in ALL_ROLES}),
)


def _at(day, hour):
    return local_to_utc(datetime.combine(day, time(hour, 0)))


def seed_training(people, today):
    """Create the modules and their history once (idempotent)."""
    if db.session.scalar(db.select(db.func.count()).select_from(TrainingModule)):
        return
    modules = []
    for position, (title, summary, content, kind, minutes, quiz, roles) in enumerate(MODULES):
        module = TrainingModule(title=title, summary=summary, content=content, kind=kind,
                                duration_minutes=minutes, quiz=parse_quiz(quiz)[0],
                                quiz_source=quiz, pass_mark=DEFAULT_PASS_MARK,
                                position=position)
        module.roles = [ModuleRole(role=role, required=level == REQUIRED)
                        for role, level in roles.items()]
        db.session.add(module)
        modules.append(module)
    db.session.flush()
    welcoming, language, housing, safeguarding = modules
    sessions = {
        "welcoming_next": TrainingSession(
            module=welcoming, starts_at=_at(today + timedelta(days=12), 18),
            ends_at=_at(today + timedelta(days=12), 20),
            place="Maison des associations, 6 rue Berthe de Boissieux, salle 2", capacity=12),
        "safeguarding_next": TrainingSession(
            module=safeguarding, starts_at=_at(today + timedelta(days=19), 18),
            ends_at=_at(today + timedelta(days=19), 19) + timedelta(minutes=30),
            place="Maison des associations, salle 2", capacity=2),
        "housing_next": TrainingSession(
            module=housing, starts_at=_at(today + timedelta(days=26), 10),
            ends_at=_at(today + timedelta(days=26), 12) + timedelta(minutes=30),
            place="Bibliothèque Kateb Yacine, salle de réunion", capacity=10),
        "safeguarding_past": TrainingSession(
            module=safeguarding, starts_at=_at(today - timedelta(days=40), 18),
            ends_at=_at(today - timedelta(days=40), 19) + timedelta(minutes=30),
            place="Maison des associations, salle 2", capacity=12),
        "welcoming_online": TrainingSession(
            module=welcoming, starts_at=_at(today + timedelta(days=33), 19),
            ends_at=_at(today + timedelta(days=33), 21),
            video_link="https://visio.example.org/bienvenue", capacity=25),
    }
    db.session.add_all(sessions.values())
    db.session.flush()
    trained = {
        "mentor@example.org": (welcoming, safeguarding),
        "amina.benali@example.org": (welcoming, language, safeguarding),
        "thomas.girard@example.org": (welcoming, housing, safeguarding),
        "ines.moreau@example.org": (welcoming,),
    }
    for email, done in trained.items():
        person = people[email]
        for module in done:
            db.session.add(ModuleCompletion(user_id=person.id, module_id=module.id,
                                            completed_on=today - timedelta(days=40),
                                            via="quiz" if module.kind == ONLINE else "session"))
        if safeguarding in done:
            db.session.add(Enrollment(session=sessions["safeguarding_past"], user_id=person.id,
                                      status=ATTENDED))
    db.session.add(Enrollment(session=sessions["safeguarding_past"],
                              user_id=people["bogdan.shevchenko@example.org"].id, status=NO_SHOW))
    db.session.add(Enrollment(session=sessions["safeguarding_next"],
                              user_id=people["ines.moreau@example.org"].id, status=ENROLLED))
    db.session.flush()
    for email in trained:
        check_training(people[email])
    db.session.flush()
