"""Demo awards: last year's cycle announced with winners (their citations reviewed and
their agreement to appear given, so the public page names them), this year's open for
nominations."""

from datetime import date, datetime, timedelta

from ..database import utcnow
from ..extensions import db
from .cycles import create_cycle
from .models import (
    ANNOUNCED,
    NOMINATIONS_OPEN,
    AwardCategory,
    AwardCycle,
    Juror,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)

CITATIONS = {
    "mentor@example.org": "Élodie a accompagné Tesfaye à la préfecture, à l'école et au "
                          "centre social ; elle n'a jamais manqué un rendez-vous.",
    "amina.benali@example.org": "Amina practised French with three families every week and "
                                "organised a conversation café at the library.",
    "thomas.girard@example.org": "Thomas helped two families read their leases and find a "
                                 "flat near the children's school.",
}


FIRST_CEREMONY = {
    "fr": "La première cérémonie des bénévoles de l'accueil.",
    "en": "The first ceremony for the volunteers who welcome newcomers.",
    "ar": "الحفل الأول لتكريم المتطوعين الذين يستقبلون القادمين الجدد.",
    "uk": "Перша церемонія для волонтерів, які зустрічають новоприбулих.",
}
TELL_US = {
    "fr": "Qui a fait la différence cette année ? Dites-le-nous !",
    "en": "Who made a difference this year? Tell us!",
    "ar": "من صنع الفرق هذا العام؟ أخبرونا!",
    "uk": "Хто цього року змінив щось на краще? Розкажіть нам!",
}


def seed_awards(people, today):
    if db.session.scalar(db.select(db.func.count()).select_from(AwardCycle)):
        publish_winners(people["admin@example.org"])  # a demo seeded before the review
        return
    coordinator, admin = people["coordinator@example.org"], people["admin@example.org"]
    past = create_cycle(
        admin, year=today.year - 1, nominations_open_on=date(today.year - 1, 9, 1),
        nominations_close_on=date(today.year - 1, 10, 31),
        voting_deadline=date(today.year - 1, 11, 30),
        ceremony_at=datetime(today.year - 1, 12, 12, 17, 0),
        ceremony_place="Hôtel de Ville, salle des mariages",
        descriptions=FIRST_CEREMONY, shortlist_size=3)
    past.state, past.chair_id = ANNOUNCED, admin.id
    past.jurors = [Juror(user_id=coordinator.id), Juror(user_id=admin.id)]
    db.session.flush()
    by_code = {c.code: c for c in past.categories}
    nominations = (
        ("mentor_of_the_year", "tesfaye.alemu@example.org", "mentor@example.org"),
        ("language_buddy_of_the_year", "iryna.bondar@example.org", "amina.benali@example.org"),
        ("housing_helper_of_the_year", "mariam.said@example.org", "thomas.girard@example.org"),
        ("newcomers_choice", "tesfaye.alemu@example.org", "mentor@example.org"),
    )
    for code, nominator, nominee in nominations:
        category = by_code[code]
        db.session.add(Nomination(cycle_id=past.id, category_id=category.id,
                                  nominator_id=people[nominator].id,
                                  nominee_id=people[nominee].id, citation=CITATIONS[nominee]))
        db.session.add(Shortlisted(category_id=category.id, nominee_id=people[nominee].id))
        for juror, score in ((coordinator, 5), (admin, 4)):
            db.session.add(Vote(category_id=category.id, nominee_id=people[nominee].id,
                                juror_id=juror.id, score=score))
        category.winner_id = people[nominee].id
    db.session.flush()
    publish_winners(admin)
    current = create_cycle(
        admin, year=today.year, nominations_open_on=today - timedelta(days=20),
        nominations_close_on=today + timedelta(days=20),
        voting_deadline=today + timedelta(days=35),
        ceremony_at=datetime.combine(today + timedelta(days=45), datetime.min.time())
        + timedelta(hours=17), ceremony_place="Hôtel de Ville, salle des mariages",
        descriptions=TELL_US, shortlist_size=3)
    current.state, current.chair_id = NOMINATIONS_OPEN, admin.id
    current.jurors = [Juror(user_id=coordinator.id), Juror(user_id=admin.id)]
    db.session.flush()
    db.session.add(Nomination(
        cycle_id=current.id, category_id=current.categories[0].id,
        nominator_id=people["tesfaye.alemu@example.org"].id,
        nominee_id=people["mentor@example.org"].id, locale="en",
        citation="Élodie came with me to the town hall three times and explained every "
                 "form. My children now go to school near our home."))
    db.session.flush()


def publish_winners(reviewer):
    """The winners of announced cycles agreed to appear, and their citations are reviewed
    as written. Only for a cycle where no one agreed and nothing was reviewed yet, so
    running it again changes nothing (and a demo nominee's later withdrawal stays)."""
    for cycle in db.session.scalars(db.select(AwardCycle).where(AwardCycle.state == ANNOUNCED)):
        if db.session.scalar(db.select(PublicConsent.id).where(
                PublicConsent.cycle_id == cycle.id).limit(1)) or db.session.scalar(
                db.select(Nomination.id).where(Nomination.cycle_id == cycle.id,
                                               Nomination.public_citation.is_not(None)).limit(1)):
            continue
        winners = {(c.id, c.winner_id) for c in db.session.scalars(db.select(AwardCategory).where(
            AwardCategory.cycle_id == cycle.id, AwardCategory.winner_id.is_not(None)))}
        for user_id in sorted({winner for _, winner in winners}):
            db.session.add(PublicConsent(cycle_id=cycle.id, user_id=user_id))
        for nomination in db.session.scalars(db.select(Nomination).where(
                Nomination.cycle_id == cycle.id)):
            if (nomination.category_id, nomination.nominee_id) in winners:
                nomination.public_citation = nomination.citation
                nomination.reviewed_at, nomination.reviewed_by_id = utcnow(), reviewer.id
    db.session.flush()
