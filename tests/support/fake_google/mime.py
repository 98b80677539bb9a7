"""Gmail's view of an RFC 822 message: ``raw`` decoding, the MessagePart tree, the text a snippet is cut from."""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any


def decode(raw: str) -> EmailMessage:
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def headers(part: EmailMessage) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in part.items()]


def payload(part: EmailMessage, part_id: str) -> dict[str, Any]:
    """Gmail's MessagePart: headers, body data in base64url, and child parts numbered "0", "1", "1.0"..."""
    base = {"partId": part_id, "mimeType": part.get_content_type(), "filename": part.get_filename() or ""}
    base["headers"] = headers(part)
    if part.is_multipart():
        children = [
            payload(child, f"{part_id}.{i}" if part_id else str(i)) for i, child in enumerate(part.iter_parts())
        ]
        return base | {"body": {"size": 0}, "parts": children}
    data = part.get_payload(decode=True) or b""
    assert isinstance(data, bytes)
    return base | {"body": {"size": len(data), "data": base64.urlsafe_b64encode(data).decode()}}


def text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    content = str(part.get_content()) if part is not None else ""
    if part is not None and part.get_content_subtype() == "html":
        content = re.sub(r"<[^>]+>", " ", content)
    return " ".join(content.split())
