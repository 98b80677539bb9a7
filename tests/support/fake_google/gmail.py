"""Gmail API v1 under ``/gmail/v1/users/me``: messages list/get/send, threads get, drafts create, labels get."""

from __future__ import annotations

import base64
import html
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from tests.support.fake_google.mime import decode, headers, payload, text
from tests.support.fake_google.wire import Answer, Request, answer, google_error

MAIL = "https://mail.google.com/"
MODIFY = "https://www.googleapis.com/auth/gmail.modify"
READERS = frozenset({MAIL, MODIFY, "https://www.googleapis.com/auth/gmail.readonly"})
COMPOSERS = frozenset({MAIL, MODIFY, "https://www.googleapis.com/auth/gmail.compose"})
SENDERS = COMPOSERS | {"https://www.googleapis.com/auth/gmail.send"}
SYSTEM_LABELS = ("INBOX", "UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM", "TRASH", "CHAT")
HEX_ID = re.compile(r"^[0-9a-f]{1,32}$")


@dataclass(slots=True)
class Mail:
    id: str
    thread_id: str
    labels: list[str]
    internal_ms: int
    message: EmailMessage


class GmailServer:
    """Mixed into FakeGoogle: ``add_message`` seeds the mailbox; ``drafts`` and ``sent`` hold the decoded RFC 822
    messages clients created."""

    _gate: Callable[[Request, frozenset[str]], Answer | None]
    _lock: threading.RLock

    def _reset_gmail(self) -> None:
        self.mail: dict[str, Mail] = {}
        self.drafts: list[EmailMessage] = []
        self.sent: list[EmailMessage] = []
        self._serial = 0x18C2F0A1B2C30000

    def add_message(
        self,
        sender: str,
        to: str,
        subject: str,
        body: str,
        *,
        date: datetime,
        labels: Iterable[str] = ("INBOX", "UNREAD"),
        thread_id: str | None = None,
        html_body: str | None = None,
        cc: str | None = None,
    ) -> str:
        """Seed a message; ``html_body`` adds an HTML alternative (or is the only part when ``body`` is empty)."""
        message = EmailMessage()
        for name, value in (("From", sender), ("To", to), ("Cc", cc), ("Subject", subject)):
            if value:
                message[name] = value
        message["Date"] = format_datetime(date)
        message["Message-ID"] = make_msgid(domain="fake.example")
        if body or not html_body:
            message.set_content(body)
            if html_body:
                message.add_alternative(html_body, subtype="html")
        else:
            message.set_content(html_body, subtype="html")
        with self._lock:
            return self._store(message, list(labels), int(date.timestamp() * 1000), thread_id)

    def _store(self, message: EmailMessage, labels: list[str], internal_ms: int, thread_id: str | None) -> str:
        self._serial += 1
        mail_id = f"{self._serial:x}"
        self.mail[mail_id] = Mail(mail_id, thread_id or mail_id, labels, internal_ms, message)
        return mail_id

    def _gmail(self, request: Request) -> Answer:
        parts = request.segments[4:]  # after gmail, v1, users, me
        if len(parts) == 1:
            shape = parts[0]
        else:
            shape = "messages/send" if parts == ("messages", "send") else f"{parts[0]}/*" if len(parts) == 2 else ""
        routes: dict[tuple[str, str], tuple[Callable[[Request, tuple[str, ...]], Answer], frozenset[str]]] = {
            ("POST", "messages/send"): (self._send, SENDERS),
            ("POST", "drafts"): (self._draft, COMPOSERS),
            ("GET", "messages"): (self._list_messages, READERS),
            ("GET", "messages/*"): (self._get, READERS),
            ("GET", "threads/*"): (self._get_thread, READERS),
            ("GET", "labels/*"): (self._label, READERS),
        }
        route = routes.get((request.method, shape)) if request.segments[2:4] == ("users", "me") else None
        if route is None:
            return google_error(404, "Not Found")
        handler, scopes = route
        return self._gate(request, scopes) or handler(request, parts)

    def _get(self, request: Request, parts: tuple[str, ...]) -> Answer:
        if not HEX_ID.match(parts[1]):
            return google_error(400, "Invalid id value", "invalidArgument")
        if parts[1] not in self.mail:
            return google_error(404, "Requested entity was not found.")
        return answer(200, self._resource(self.mail[parts[1]], request))

    def _get_thread(self, request: Request, parts: tuple[str, ...]) -> Answer:
        if not HEX_ID.match(parts[1]):
            return google_error(400, "Invalid id value", "invalidArgument")
        thread = sorted((m for m in self.mail.values() if m.thread_id == parts[1]), key=lambda m: m.internal_ms)
        if not thread:
            return google_error(404, "Requested entity was not found.")
        messages = [self._resource(m, request) for m in thread]
        return answer(200, {"id": parts[1], "historyId": str(self._serial), "messages": messages})

    def _list_messages(self, request: Request, _: tuple[str, ...]) -> Answer:
        wanted = request.query.get("labelIds", [])
        hidden = () if request.arg("includeSpamTrash") == "true" else ("SPAM", "TRASH")
        terms = (request.arg("q") or "").split()
        found = [
            m
            for m in sorted(self.mail.values(), key=lambda m: m.internal_ms, reverse=True)
            if all(label in m.labels for label in wanted)
            and not any(label in m.labels for label in hidden)
            and all(_matches(m, term) for term in terms)
        ]
        size = min(int(request.arg("maxResults") or 100), 500)
        start = int(request.arg("pageToken") or 0)
        page = found[start : start + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:  # Gmail leaves the member out when nothing matched
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return answer(200, body)

    def _resource(self, mail: Mail, request: Request) -> dict[str, Any]:
        raw = mail.message.as_bytes()
        resource: dict[str, Any] = {
            "id": mail.id,
            "threadId": mail.thread_id,
            "labelIds": list(mail.labels),
            "snippet": html.escape(text(mail.message)[:100], quote=False).replace("'", "&#39;"),
            "sizeEstimate": len(raw),
            "historyId": str(self._serial),
            "internalDate": str(mail.internal_ms),
        }
        shape = request.arg("format", "full")
        if shape == "raw":
            resource["raw"] = base64.urlsafe_b64encode(raw).decode()
        elif shape == "metadata":
            names = {name.lower() for name in request.query.get("metadataHeaders", [])}
            shown = [h for h in headers(mail.message) if not names or h["name"].lower() in names]
            resource["payload"] = {"mimeType": mail.message.get_content_type(), "headers": shown}
        elif shape == "full":
            resource["payload"] = payload(mail.message, "")
        return resource

    def _label(self, _: Request, parts: tuple[str, ...]) -> Answer:
        label_id = parts[1]
        known = set(SYSTEM_LABELS) | {label for m in self.mail.values() for label in m.labels}
        if label_id not in known:
            return google_error(404, "Requested entity was not found.")
        held = [m for m in self.mail.values() if label_id in m.labels]
        unread = [m for m in held if "UNREAD" in m.labels]
        system = label_id in SYSTEM_LABELS
        return answer(
            200,
            {
                "id": label_id,
                "name": label_id,
                "type": "system" if system else "user",
                "messageListVisibility": "hide" if system else "show",
                "labelListVisibility": "labelShow",
                "messagesTotal": len(held),
                "messagesUnread": len(unread),
                "threadsTotal": len({m.thread_id for m in held}),
                "threadsUnread": len({m.thread_id for m in unread}),
            },
        )

    def _draft(self, request: Request, _: tuple[str, ...]) -> Answer:
        try:
            message = decode(request.json()["message"]["raw"])
        except (ValueError, KeyError, TypeError):
            return google_error(400, "Missing draft message", "invalidArgument")
        self.drafts.append(message)
        mail_id = self._store(message, ["DRAFT"], _now_ms(), None)
        return answer(
            200, {"id": f"r{int(mail_id, 16)}", "message": {"id": mail_id, "threadId": mail_id, "labelIds": ["DRAFT"]}}
        )

    def _send(self, request: Request, _: tuple[str, ...]) -> Answer:
        try:
            message = decode(request.json()["raw"])
        except (ValueError, KeyError, TypeError):
            return google_error(
                400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
            )
        if not any(message.get(name) for name in ("To", "Cc", "Bcc")):
            return google_error(400, "Recipient address required", "invalidArgument")
        self.sent.append(message)
        mail_id = self._store(message, ["SENT"], _now_ms(), None)
        return answer(200, {"id": mail_id, "threadId": mail_id, "labelIds": ["SENT"]})


def _matches(mail: Mail, term: str) -> bool:
    """A small part of Gmail's search: is:unread, from:, to:, subject:, label:/in:, else a word anywhere."""
    key, _, value = term.partition(":")
    value, key = value.lower(), key.lower()
    message = mail.message
    if value and key == "is":
        return value.upper() in mail.labels
    if value and key in ("from", "to", "subject"):
        return value in str(message.get(key, "")).lower()
    if value and key in ("label", "in"):
        return value.upper() in (label.upper() for label in mail.labels)
    haystack = " ".join(str(message.get(h, "")) for h in ("Subject", "From", "To")) + " " + text(message)
    return term.lower() in haystack.lower()


def _now_ms() -> int:
    return int(datetime.now().timestamp() * 1000)
