"""Demo recognition: three partner venues, perks with different rules, passes in every
state, and a few volunteers on the public thank-you page (once)."""

from datetime import timedelta

from ..database import utcnow
from ..extensions import db
from .models import ISSUED, REDEEMED, REVOKED, Partner, PartnerStaff, Pass, Perk


def seed_recognition(people, today):
    if db.session.scalar(db.select(db.func.count()).select_from(Partner)):
        return
    museum = Partner(name="Musée de Grenoble", kind="museum",
                     address="5 place de Lavalette, 38000 Grenoble",
                     website="https://www.museedegrenoble.fr")
    theatre = Partner(name="MC2: Maison de la Culture", kind="theatre",
                      address="4 rue Paul Claudel, 38100 Grenoble", website="https://www.mc2grenoble.fr")
    hall = Partner(name="La Belle Électrique", kind="concert_hall",
                   address="12 esplanade Andry-Farcy, 38000 Grenoble")
    db.session.add_all([museum, theatre, hall])
    db.session.flush()
    db.session.add(PartnerStaff(partner_id=museum.id, user_id=people["partner@example.org"].id))
    museum_pass = Perk(
        partner=museum, kind="museum", stock=40, per_volunteer=2,
        valid_from=today - timedelta(days=60), valid_until=today + timedelta(days=180),
        min_hours=5, titles={"fr": "Entrée libre au musée", "en": "Free museum entry",
                             "ar": "دخول مجاني إلى المتحف", "uk": "Безкоштовний вхід до музею"},
        descriptions={"fr": "Une entrée pour vous et une personne accompagnante.",
                      "en": "One entry for you and a companion."})
    theatre_seat = Perk(
        partner=theatre, kind="theatre", stock=12, per_volunteer=1,
        valid_from=today - timedelta(days=10), valid_until=today + timedelta(days=120),
        min_hours=20, min_months=3, certificate_required=True,
        titles={"fr": "Une place de théâtre", "en": "A theatre seat",
                "ar": "مقعد في المسرح", "uk": "Місце в театрі"})
    concert = Perk(
        partner=hall, kind="concert_hall", stock=6, per_volunteer=1,
        valid_from=today - timedelta(days=5), valid_until=today + timedelta(days=60),
        min_months=1, roles=["language_buddy"],
        titles={"fr": "Concert du vendredi", "en": "Friday concert",
                "ar": "حفلة يوم الجمعة", "uk": "Концерт у п'ятницю"})
    db.session.add_all([museum_pass, theatre_seat, concert])
    db.session.flush()
    now = utcnow()
    partner_user = people["partner@example.org"]
    states = (
        ("mentor@example.org", museum_pass, REDEEMED),
        ("mentor@example.org", museum_pass, ISSUED),
        ("amina.benali@example.org", museum_pass, REVOKED),
        ("thomas.girard@example.org", museum_pass, ISSUED),
        ("amina.benali@example.org", concert, ISSUED),
    )
    for email, perk, status in states:
        item = Pass(perk_id=perk.id, user_id=people[email].id, status=status,
                    expires_on=perk.valid_until, issued_at=now - timedelta(days=20))
        if status == REDEEMED:
            item.redeemed_at, item.redeemed_by_id = now - timedelta(days=12), partner_user.id
        if status == REVOKED:
            item.revoked_at, item.revoked_reason = now - timedelta(days=3), "Demande en double"
        if status != REVOKED:  # the revoked pass went back to the stock
            perk.claimed += 1
        db.session.add(item)
    # One expired pass, from last season's perk.
    old = Perk(partner=museum, kind="museum", stock=10, per_volunteer=1, claimed=1,
               valid_from=today - timedelta(days=300), valid_until=today - timedelta(days=30),
               titles={"fr": "Nuit des musées", "en": "Museum night"})
    db.session.add(old)
    db.session.flush()
    db.session.add(Pass(perk_id=old.id, user_id=people["thomas.girard@example.org"].id,
                        status=ISSUED, expires_on=old.valid_until,
                        issued_at=now - timedelta(days=200)))
    for email in ("mentor@example.org", "amina.benali@example.org", "thomas.girard@example.org"):
        people[email].public_thanks = True
    db.session.flush()
