"""Text folded for searching people: no accents, no case, phone numbers as digits.

"Amira Haddad", "amira" and "AMÍRA" find the same person; "06 12 34" finds
"+33 6 12 34 56 78" through its digits. The same fold is applied to the stored text
(``User.search_text``) and to what the coordinator typed, so the database compares
plain lower-case text with ``LIKE`` on SQLite and PostgreSQL alike.
"""

import re
import unicodedata


def fold(text):
    """Lower-case ``text`` without accents (é → e, İ → i); other scripts are kept."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def digits(text):
    return re.sub(r"\D", "", text or "")


def person_search_text(name, email=None, phone=None, sign_in_name=None):
    """What ``User.search_text`` holds: the folded name, email, sign-in name and phone."""
    parts = [fold(name), fold(email), fold(sign_in_name), fold(phone), digits(phone)]
    return " | ".join(part for part in parts if part)
