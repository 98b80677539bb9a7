"""Rules for what a person may use as an email and a password."""

from __future__ import annotations

import re

from assistme.core.shared.errors import InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 128
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding blanks."""
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput.field("email", "not a valid email address")
    return value


def check_password(password: str, field: str = "password") -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput.field(field, f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password
