"""Everything the programme holds about one person, for their own copy."""


def export_person(user):
    """The person's data as a JSON-ready dict (to be completed: see issue 13)."""
    return {
        "account": {
            "name": user.name,
            "email": user.email,
            "language": user.locale,
            "phone": user.phone,
            "neighbourhood": user.neighbourhood.name if user.neighbourhood else None,
            "roles": sorted(user.role_names),
            "created_at": user.created_at.isoformat() + "Z",
        },
        "languages": [{"language": s.language, "level": s.level} for s in user.languages],
    }
