"""Gmail (API v1): read, search, count, draft and send the user's mail. Answers are normalised: a summary or a
full message with its plain-text body, never Gmail's MIME tree."""

from __future__ import annotations

import asyncio
import base64
import binascii
import html
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any, ClassVar

from assistme.adapters.google.registry import GoogleProvider, register, segment
from assistme.core.integrations.catalog import Action, ProviderSpec, params
from assistme.core.shared.errors import InvalidInput, NotFound

READ = "https://www.googleapis.com/auth/gmail.readonly"
COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
SEND = "https://www.googleapis.com/auth/gmail.send"
USER = "/gmail/v1/users/me"
SUMMARY_HEADERS = ["From", "To", "Subject", "Date"]
SYSTEM_LABELS = frozenset({"INBOX", "UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM", "TRASH", "CHAT"})
PARALLEL = 10  # message fetches in flight at once for one listing: Gmail limits concurrent requests per user
MAX_BODY = 50_000  # characters of a body handed on; the rest is cut

_ID = {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9_-]+$"}
_MAX = {"type": "integer", "minimum": 1, "maximum": 100, "default": 10, "description": "At most this many, 1 to 100"}
_QUERY = {"type": "string", "minLength": 1, "maxLength": 500, "description": "Gmail search syntax: from:ann is:unread"}
_LABEL = {"type": "string", "minLength": 1, "maxLength": 100, "description": "A label id: INBOX, STARRED, Label_12"}
_EMAILS = {
    "type": "array",
    "items": {"type": "string", "format": "email", "minLength": 3, "maxLength": 320},
    "minItems": 1,
    "maxItems": 50,
}
_MESSAGE = params(
    {
        "to": _EMAILS,
        "cc": _EMAILS,
        "subject": {"type": "string", "maxLength": 500},
        "body": {"type": "string", "maxLength": 100_000, "description": "Plain text"},
    },
    required=("to", "subject", "body"),
)
SPEC = ProviderSpec(
    name="gmail",
    title="Gmail",
    scopes=(READ, COMPOSE, SEND),
    actions=(
        Action("list_emails", "The newest emails, optionally in a label or matching a query", params(
            {"max_results": _MAX, "query": _QUERY, "label": _LABEL}), (READ,)),
        Action("search_emails", "Emails matching a Gmail search query, newest first", params(
            {"query": _QUERY, "max_results": _MAX}, required=("query",)), (READ,)),
        Action("get_email", "One email with its plain-text body", params({"id": _ID}, required=("id",)), (READ,)),
        Action("get_thread", "Every email of a conversation", params({"id": _ID}, required=("id",)), (READ,)),
        Action("unread_count", "How many unread emails a label holds (INBOX by default)", params(
            {"label": {**_LABEL, "default": "INBOX"}}), (READ,)),
        Action("create_draft", "Save a draft email (not sent)", _MESSAGE, (COMPOSE,), writes=True),
        Action("send_email", "Send an email in the user's name", _MESSAGE, (SEND,), writes=True),
    ),
)  # fmt: skip


@register
class Gmail(GoogleProvider):
    spec: ClassVar[ProviderSpec] = SPEC
    default_base: ClassVar[str] = "https://gmail.googleapis.com"

    async def list_emails(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        query: dict[str, Any] = {"maxResults": p.get("max_results", 10)}
        if p.get("query"):
            query["q"] = p["query"]
        if p.get("label"):
            query["labelIds"] = _label(p["label"])
        return {"emails": await self._summaries(query, token)}

    async def search_emails(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        return {"emails": await self._summaries({"q": p["query"], "maxResults": p.get("max_results", 10)}, token)}

    async def get_email(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        message = await self.api.call("GET", f"{USER}/messages/{segment(p['id'])}", token, query={"format": "full"})
        return full(message)

    async def get_thread(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        thread = await self.api.call("GET", f"{USER}/threads/{segment(p['id'])}", token, query={"format": "full"})
        return {"id": thread.get("id", p["id"]), "messages": [full(m) for m in thread.get("messages") or []]}

    async def unread_count(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        label = _label(p.get("label", "INBOX"))
        answer = await self.api.call("GET", f"{USER}/labels/{segment(label)}", token)
        return {"label": label, "unread": int(answer.get("messagesUnread") or 0)}

    # Gmail has no dedupe key for these: a repeat after an unanswered attempt could send the mail twice.
    async def create_draft(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        body = {"message": {"raw": rfc822(p)}}
        answer = await self.api.call("POST", f"{USER}/drafts", token, body=body, replayable=False)
        return {"draft_id": answer.get("id"), "message_id": (answer.get("message") or {}).get("id")}

    async def send_email(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        answer = await self.api.call("POST", f"{USER}/messages/send", token, body={"raw": rfc822(p)}, replayable=False)
        return {"message_id": answer.get("id"), "thread_id": answer.get("threadId")}

    async def _summaries(self, query: dict[str, Any], token: str) -> list[dict[str, Any]]:
        listed = await self.api.call("GET", f"{USER}/messages", token, query=query)
        ids = [str(m["id"]) for m in (listed.get("messages") or []) if isinstance(m, dict) and m.get("id")]
        gate = asyncio.Semaphore(PARALLEL)

        async def one(message_id: str) -> dict[str, Any]:
            async with gate:
                metadata = {"format": "metadata", "metadataHeaders": SUMMARY_HEADERS}
                answer: dict[str, Any] = await self.api.call(
                    "GET", f"{USER}/messages/{segment(message_id)}", token, query=metadata
                )
                return answer

        answers = await asyncio.gather(*(one(i) for i in ids[: query["maxResults"]]), return_exceptions=True)
        summaries = []
        for answer in answers:
            if isinstance(answer, NotFound):
                continue  # deleted between the listing and the fetch
            if isinstance(answer, BaseException):
                raise answer
            summaries.append(summary(answer))
        return summaries


def _label(label: str) -> str:
    return label.upper() if label.upper() in SYSTEM_LABELS else label


def summary(message: dict[str, Any]) -> dict[str, Any]:
    headers = _headers(message.get("payload") or {})
    labels = [str(label) for label in message.get("labelIds") or []]
    return {
        "id": message.get("id"),
        "thread_id": message.get("threadId"),
        "sender": headers.get("from", ""),
        "to": headers.get("to", ""),
        "subject": headers.get("subject", ""),
        "snippet": html.unescape(str(message.get("snippet") or "")),
        "date": _date(message),
        "unread": "UNREAD" in labels,
        "labels": labels,
    }


def full(message: dict[str, Any]) -> dict[str, Any]:
    payload = message.get("payload") or {}
    headers = _headers(payload)
    brief = summary(message)
    return {
        key: brief[key] for key in ("id", "thread_id", "sender", "to", "subject", "date", "snippet", "labels", "unread")
    } | {"cc": headers.get("cc", ""), "body": _body(payload)}


def rfc822(p: dict[str, Any]) -> str:
    """The message as Gmail's ``raw``: RFC 822, base64url. Gmail adds From (the user) itself."""
    headers = {"To": ", ".join(p["to"]), "Cc": ", ".join(p.get("cc") or []), "Subject": p["subject"]}
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            raise InvalidInput.field(f"params.{name.lower()}", "line breaks are not allowed in a header")
    message = EmailMessage()
    for name, value in headers.items():
        if value:
            message[name] = value
    message.set_content(p["body"])
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def _headers(payload: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in payload.get("headers") or []:
        if isinstance(header, dict) and "name" in header:
            found.setdefault(str(header["name"]).lower(), str(header.get("value", "")))
    return found


def _date(message: dict[str, Any]) -> str | None:
    try:
        moment = datetime.fromtimestamp(int(message["internalDate"]) / 1000, UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return moment.isoformat().replace("+00:00", "Z")


def _body(payload: dict[str, Any]) -> str:
    """The first text/plain part that is no attachment; else the first HTML part, its tags stripped."""
    plain = _part(payload, "text/plain")
    if plain is not None:
        return plain[:MAX_BODY]
    page = _part(payload, "text/html")
    return _strip(page)[:MAX_BODY] if page is not None else ""


def _part(part: dict[str, Any], mime: str) -> str | None:
    if str(part.get("mimeType", "")).lower() == mime and not part.get("filename"):
        data = (part.get("body") or {}).get("data")
        if isinstance(data, str):
            return _decode(data, _headers(part).get("content-type", ""))
    for child in part.get("parts") or []:
        if isinstance(child, dict) and (found := _part(child, mime)) is not None:
            return found
    return None


def _decode(data: str, content_type: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return ""
    charset = re.search(r'charset="?([\w.:-]+)', content_type, re.IGNORECASE)
    try:
        return raw.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")


class _Text(HTMLParser):
    SKIP = frozenset({"script", "style", "head", "title"})
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        if tag in self.BREAKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        if tag in self.BREAKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def _strip(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
