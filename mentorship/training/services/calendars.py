"""Calendars: one session as a file, and each volunteer's private feed of their sessions."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select

from ...accounts.models import User
from ...database import utcnow
from ...extensions import db
from ..models import (
    ATTENDED,
    ENROLLED,
    WAITLISTED,
    CalendarFeed,
    Enrollment,
    TrainingSession,
    new_code,
)

UTC = ZoneInfo("UTC")


def existing_calendar_feed(user):
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def calendar_feed(user):
    """The person's private feed, created the first time it is asked for."""
    feed = existing_calendar_feed(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=new_code())
        db.session.add(feed)
        db.session.flush()
    return feed


def reset_calendar_feed(user):
    """A new private address; the old one stops working."""
    feed = calendar_feed(user)
    feed.token = new_code()
    return feed


def user_for_calendar_token(token):
    return db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token == token))


def session_uid(session):
    """Stable per session, and different for each installation (its BASE_URL host)."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "mentorship"
    return f"training-session-{session.id}@{host}"


def waiting_session_ids(user):
    return set(db.session.scalars(select(Enrollment.session_id).where(
        Enrollment.user_id == user.id, Enrollment.status == WAITLISTED)))


def sessions_for_calendar(user):
    """The sessions in a person's feed: seats held, places waiting, sessions attended."""
    return db.session.scalars(
        select(TrainingSession).options(db.joinedload(TrainingSession.module))
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(Enrollment.user_id == user.id,
               Enrollment.status.in_((ENROLLED, WAITLISTED, ATTENDED)))
        .order_by(TrainingSession.starts_at)).all()


def to_ical(sessions, name, waiting=()):
    """An iCalendar document; each session keeps the same UID in every file and feed.
    Sessions in ``waiting`` (ids) are marked tentative: a place on the waiting list."""
    calendar = Calendar()
    calendar.add("prodid", "-//mentorship//training//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = utcnow().replace(tzinfo=UTC)
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("status", "TENTATIVE" if session.id in waiting else "CONFIRMED")
        event.add("dtstamp", stamp)
        event.add("sequence", session.sequence)
        event.add("dtstart", session.starts_at.replace(tzinfo=UTC))
        event.add("dtend", session.ends_at.replace(tzinfo=UTC))
        event.add("summary", session.module.title)
        if session.place:
            event.add("location", session.place)
        if session.video_link:
            event.add("url", session.video_link)
            event.add("description", session.video_link)
        calendar.add_component(event)
    return calendar.to_ical()
