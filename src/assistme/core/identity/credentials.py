"""Rules for what a person may use as an email and a password."""

from __future__ import annotations

import re

from assistme.core.shared.errors import InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 128
BLANKS = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What ``str.strip`` removes, spelled out: ``\\s`` means less than this in a JSON Schema (ECMA 262) regex."""
EMAIL_FORM = f"[^@{BLANKS}]{{1,64}}@[^@{BLANKS}.]+(\\.[^@{BLANKS}.]+)+"
"""What an email looks like once trimmed, one regex for Python and for the API's schema alike."""
MAX_EMAIL = 254
_EMAIL = re.compile(f"^{EMAIL_FORM}$")


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding blanks."""
    value = email.strip().lower()
    if len(value) > MAX_EMAIL or not _EMAIL.match(value):
        raise InvalidInput.field("email", "not a valid email address")
    return value


def check_password(password: str, field: str = "password") -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput.field(field, f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password
