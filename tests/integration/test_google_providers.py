"""The Gmail and Calendar providers (the real registry, client and normalisation) against a fake Google that speaks
the real wire formats on 127.0.0.1."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from assistme.adapters.google.api import AlreadyExists, GoogleApi
from assistme.adapters.google.registry import RegisteredProviders
from assistme.core.integrations.errors import MissingScopes
from assistme.core.integrations.ports import ProviderApi, TokenRejected
from assistme.core.shared.errors import InvalidInput, NotFound, Unavailable
from tests.support.fake_google import FakeGoogle
from tests.support.http import LoopbackOnly, loopback_client

READ = "https://www.googleapis.com/auth/gmail.readonly"
COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
SEND = "https://www.googleapis.com/auth/gmail.send"
EVENTS = "https://www.googleapis.com/auth/calendar.events"
NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh(google: FakeGoogle) -> None:
    google.reset()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with loopback_client() as client:
        yield client


@pytest.fixture
def providers(http: httpx.AsyncClient, google: FakeGoogle) -> RegisteredProviders:
    return RegisteredProviders(http, google.base_url, retries=2, timeout=3.0)


@pytest.fixture
def gmail(providers: RegisteredProviders) -> ProviderApi:
    provider = providers.get("gmail")
    assert provider is not None
    return provider


@pytest.fixture
def calendar(providers: RegisteredProviders) -> ProviderApi:
    provider = providers.get("google_calendar")
    assert provider is not None
    return provider


@pytest.fixture
def token(google: FakeGoogle) -> str:
    return google.issue_tokens([READ, COMPOSE, SEND, EVENTS])[0]


def mail(google: FakeGoogle, subject: str, minutes: int = 0, **extra: Any) -> str:
    sender = extra.pop("sender", "Ann <ann@example.com>")
    body = extra.pop("body", f"About {subject}")
    return google.add_message(sender, "me@example.com", subject, body, date=NOON + timedelta(minutes=minutes), **extra)


def test_the_registry_lists_gmail_and_calendar_with_valid_param_schemas(providers: RegisteredProviders) -> None:
    specs = providers.specs()
    assert [spec.name for spec in specs] == ["gmail", "google_calendar"]
    assert providers.get("myspace") is None
    for spec in specs:
        assert set(spec.scopes) == {scope for action in spec.actions for scope in action.scopes}
        for action in spec.actions:
            Draft202012Validator.check_schema(action.params)
            assert action.params["additionalProperties"] is False
    gmail, calendar = specs
    assert {a.name for a in gmail.actions if a.writes} == {"create_draft", "send_email"}
    assert gmail.action("send_email").scopes == (SEND,)  # type: ignore[union-attr]
    assert {a.name for a in calendar.actions if a.writes} == {"create_event", "update_event", "delete_event"}
    limits = Draft202012Validator(gmail.action("list_emails").params)  # type: ignore[union-attr]
    assert limits.is_valid({"max_results": 100})
    assert not limits.is_valid({"max_results": 101})
    assert not limits.is_valid({"bcc": "x"})


async def test_list_emails_answers_the_newest_summaries(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    mail(google, "Old", 0, labels=("INBOX",))
    newest = mail(google, "Newest", 20, thread_id="abc")
    mail(google, "Middle", 10)
    answer = await gmail.run("list_emails", {"max_results": 2}, token)
    assert [e["subject"] for e in answer["emails"]] == ["Newest", "Middle"]
    assert answer["emails"][0] == {
        "id": newest,
        "thread_id": "abc",
        "sender": "Ann <ann@example.com>",
        "to": "me@example.com",
        "subject": "Newest",
        "snippet": "About Newest",
        "date": "2025-03-10T12:20:00Z",
        "unread": True,
        "labels": ["INBOX", "UNREAD"],
    }
    everything = await gmail.run("list_emails", {}, token)
    assert [e["unread"] for e in everything["emails"]] == [True, True, False]


async def test_list_emails_in_a_label_and_in_an_empty_mailbox(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    assert await gmail.run("list_emails", {"label": "STARRED"}, token) == {"emails": []}
    mail(google, "Starred", labels=("INBOX", "STARRED"))
    mail(google, "Plain")
    answer = await gmail.run("list_emails", {"label": "starred"}, token)
    assert [e["subject"] for e in answer["emails"]] == ["Starred"]


async def test_search_emails_answers_only_the_matches(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    mail(google, "Invoice March", sender="Billing <billing@example.com>")
    mail(google, "Lunch")
    answer = await gmail.run("search_emails", {"query": "from:billing invoice", "max_results": 5}, token)
    assert [e["subject"] for e in answer["emails"]] == ["Invoice March"]


async def test_get_email_gives_the_plain_text_body_and_an_unescaped_snippet(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    message_id = mail(
        google, "Plans", body="Let's meet at 5 — café?", html_body="<p>HTML <b>version</b></p>", cc="bob@x.org"
    )
    answer = await gmail.run("get_email", {"id": message_id}, token)
    assert answer == {
        "id": message_id,
        "thread_id": message_id,
        "sender": "Ann <ann@example.com>",
        "to": "me@example.com",
        "cc": "bob@x.org",
        "subject": "Plans",
        "date": "2025-03-10T12:00:00Z",
        "snippet": "Let's meet at 5 — café?",
        "body": "Let's meet at 5 — café?\n",
        "labels": ["INBOX", "UNREAD"],
        "unread": True,
    }


async def test_get_email_without_a_plain_part_strips_the_html(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    page = "<html><head><style>p{}</style></head><body><p>Hello &amp; welcome</p><script>x()</script>Bye</body></html>"
    message_id = mail(google, "Newsletter", body="", html_body=page)
    answer = await gmail.run("get_email", {"id": message_id}, token)
    assert answer["body"] == "Hello & welcome\nBye"


async def test_get_thread_answers_every_message_oldest_first(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    first = mail(google, "Question", 0)
    mail(google, "Re: Question", 30, thread_id=first, labels=("INBOX",))
    mail(google, "Unrelated", 10)
    answer = await gmail.run("get_thread", {"id": first}, token)
    assert answer["id"] == first
    assert [(m["subject"], m["unread"]) for m in answer["messages"]] == [("Question", True), ("Re: Question", False)]
    assert answer["messages"][1]["body"] == "About Re: Question\n"


async def test_unknown_and_malformed_email_ids(gmail: ProviderApi, token: str) -> None:
    with pytest.raises(NotFound):
        await gmail.run("get_email", {"id": "18c2f0a1b2c3ffff"}, token)
    with pytest.raises(NotFound):
        await gmail.run("get_thread", {"id": "18c2f0a1b2c3ffff"}, token)
    with pytest.raises(InvalidInput) as caught:
        await gmail.run("get_email", {"id": "not-hex"}, token)
    assert caught.value.errors[0].field == "params"
    assert caught.value.errors[0].message == "Invalid id value"


async def test_unread_count_reads_the_labels_counter(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    mail(google, "One")
    mail(google, "Two")
    mail(google, "Read", labels=("INBOX",))
    mail(google, "Archived unread", labels=("UNREAD",))
    assert await gmail.run("unread_count", {}, token) == {"label": "INBOX", "unread": 2}
    assert await gmail.run("unread_count", {"label": "UNREAD"}, token) == {"label": "UNREAD", "unread": 3}
    assert google.api_requests == [
        ("GET", "/gmail/v1/users/me/labels/INBOX"),
        ("GET", "/gmail/v1/users/me/labels/UNREAD"),
    ]


async def test_create_draft_stores_the_rfc822_message(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    params = {"to": ["bob@example.com", "cy@example.com"], "subject": "Agenda", "body": "1. Budget\n2. Hiring"}
    answer = await gmail.run("create_draft", params, token)
    [draft] = google.drafts
    assert draft["To"] == "bob@example.com, cy@example.com"
    assert draft["Subject"] == "Agenda"
    assert draft.get_content() == "1. Budget\n2. Hiring\n"
    assert answer["draft_id"].startswith("r")
    assert answer["message_id"]
    assert google.sent == []


async def test_send_email_sends_the_message_as_written(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    params = {"to": ["bob@example.com"], "cc": ["cy@example.com"], "subject": "Grüße aus Köln", "body": "Bis bald"}
    answer = await gmail.run("send_email", params, token)
    [sent] = google.sent
    assert (sent["To"], sent["Cc"], sent["Subject"]) == ("bob@example.com", "cy@example.com", "Grüße aus Köln")
    assert sent.get_content() == "Bis bald\n"
    assert answer == {"message_id": answer["message_id"], "thread_id": answer["message_id"]}
    listed = await gmail.run("list_emails", {"label": "SENT"}, token)
    assert [e["id"] for e in listed["emails"]] == [answer["message_id"]]


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": "Hi\nX-Evil: 1"},
        {"to": ["bob@example.com\r\nBcc: victim@example.com"]},
        {"cc": ["cy@example.com\nBcc: victim@example.com"]},
    ],
)
async def test_header_injection_is_refused_before_anything_is_sent(
    gmail: ProviderApi, google: FakeGoogle, token: str, change: dict[str, Any]
) -> None:
    params = {"to": ["bob@example.com"], "subject": "Hi", "body": "b"} | change
    for action in ("send_email", "create_draft"):
        with pytest.raises(InvalidInput) as caught:
            await gmail.run(action, params, token)
        assert caught.value.errors[0].field == f"params.{next(iter(change))}"
    assert google.api_requests == []


async def test_list_events_answers_the_range_normalised_and_in_order(
    calendar: ProviderApi, google: FakeGoogle, token: str
) -> None:
    google.add_event("Before", NOON - timedelta(days=2), NOON - timedelta(days=2, hours=-1))
    standup = google.add_event(
        "Standup",
        NOON + timedelta(hours=1),
        NOON + timedelta(hours=1, minutes=15),
        location="Room 1",
        description="Daily",
        attendees=["bob@example.com"],
    )
    holiday = google.add_event("Holiday", date(2025, 3, 10), date(2025, 3, 11))
    google.add_event("Cancelled", NOON + timedelta(hours=2), NOON + timedelta(hours=3), status="cancelled")
    google.add_event("After", NOON + timedelta(days=3), NOON + timedelta(days=3, hours=1))
    window = {"from": "2025-03-10T00:00:00Z", "to": "2025-03-11T00:00:00+00:00", "max_results": 10}
    answer = await calendar.run("list_events", window, token)
    assert [e["id"] for e in answer["events"]] == [holiday, standup]
    assert answer["events"][0] | {"html_link": None} == {
        "id": holiday,
        "title": "Holiday",
        "start": "2025-03-10",
        "end": "2025-03-11",
        "all_day": True,
        "time_zone": None,
        "location": None,
        "description": None,
        "attendees": [],
        "status": "confirmed",
        "html_link": None,
    }
    event = answer["events"][1]
    assert (event["start"], event["end"], event["all_day"]) == ("2025-03-10T13:00:00Z", "2025-03-10T13:15:00Z", False)
    assert (event["location"], event["description"]) == ("Room 1", "Daily")
    assert event["attendees"] == [{"email": "bob@example.com", "name": None, "response": "needsAction"}]
    assert event["html_link"].startswith("https://www.google.com/calendar/event?eid=")
    assert (await calendar.run("list_events", window | {"max_results": 1}, token))["events"][0]["id"] == holiday


async def test_list_events_starts_from_now_by_default(calendar: ProviderApi, google: FakeGoogle, token: str) -> None:
    now = datetime.now(UTC)
    google.add_event("Past", now - timedelta(days=1, hours=1), now - timedelta(days=1))
    google.add_event("Soon", now + timedelta(hours=1), now + timedelta(hours=2))
    answer = await calendar.run("list_events", {}, token)
    assert [e["title"] for e in answer["events"]] == ["Soon"]


async def test_create_event_writes_it_and_answers_it_normalised(
    calendar: ProviderApi, google: FakeGoogle, token: str
) -> None:
    params = {
        "title": "Dentist",
        "start": "2025-03-12T09:00:00+01:00",
        "end": "2025-03-12T10:00:00+01:00",
        "time_zone": "Europe/Berlin",
        "location": "Main St 1",
        "attendees": ["bob@example.com", "bob@example.com"],
    }
    event = await calendar.run("create_event", params, token)
    stored = google.events[event["id"]]
    assert stored["summary"] == "Dentist"
    assert stored["start"] == {"dateTime": "2025-03-12T09:00:00+01:00", "timeZone": "Europe/Berlin"}
    assert [a["email"] for a in stored["attendees"]] == ["bob@example.com"]
    assert (event["title"], event["start"], event["end"]) == ("Dentist", "2025-03-12T08:00:00Z", "2025-03-12T09:00:00Z")
    assert (event["time_zone"], event["location"], event["status"]) == ("Europe/Berlin", "Main St 1", "confirmed")


async def test_an_event_google_refuses_is_invalid_input_with_its_message(calendar: ProviderApi, token: str) -> None:
    backwards = {"title": "Oops", "start": "2025-03-12T10:00:00Z", "end": "2025-03-12T09:00:00Z"}
    with pytest.raises(InvalidInput) as caught:
        await calendar.run("create_event", backwards, token)
    assert caught.value.errors[0].field == "params"
    assert caught.value.errors[0].message == "The specified time range is empty."


async def test_update_event_changes_only_the_given_fields(
    calendar: ProviderApi, google: FakeGoogle, token: str
) -> None:
    event_id = google.add_event("Review", NOON, NOON + timedelta(hours=1), location="Room 2", description="Q1")
    params = {
        "event_id": event_id,
        "title": "Review (moved)",
        "start": "2025-03-10T15:00:00Z",
        "end": "2025-03-10T16:00:00Z",
    }
    event = await calendar.run("update_event", params, token)
    assert (event["title"], event["start"], event["end"]) == (
        "Review (moved)",
        "2025-03-10T15:00:00Z",
        "2025-03-10T16:00:00Z",
    )
    assert (event["location"], event["description"]) == ("Room 2", "Q1")
    assert google.api_requests == [("PATCH", f"/calendar/v3/calendars/primary/events/{event_id}")]
    assert google.events[event_id]["sequence"] == 1
    with pytest.raises(InvalidInput):
        await calendar.run("update_event", {"event_id": event_id}, token)


async def test_delete_event_and_then_it_is_gone(calendar: ProviderApi, google: FakeGoogle, token: str) -> None:
    event_id = google.add_event("Lunch", NOON, NOON + timedelta(hours=1))
    assert await calendar.run("delete_event", {"event_id": event_id}, token) == {"deleted": True, "id": event_id}
    assert google.events[event_id]["status"] == "cancelled"
    with pytest.raises(NotFound):
        await calendar.run("delete_event", {"event_id": event_id}, token)  # Google answers 410 Gone
    with pytest.raises(NotFound):
        await calendar.run("update_event", {"event_id": "nosuchevent", "title": "x"}, token)
    with pytest.raises(NotFound):
        await calendar.run("list_events", {"calendar_id": "nobody@example.com"}, token)


async def test_calendar_ids_travel_as_one_quoted_path_segment(
    calendar: ProviderApi, google: FakeGoogle, token: str
) -> None:
    team = "en.german#holiday@group.v.calendar.google.com"
    soon = datetime.now(UTC) + timedelta(days=1)
    google.add_event("Feiertag", soon, soon + timedelta(hours=1), calendar_id=team)
    answer = await calendar.run("list_events", {"calendar_id": team}, token)
    assert [e["title"] for e in answer["events"]] == ["Feiertag"]
    assert google.api_requests == [("GET", f"/calendar/v3/calendars/{team}/events")]


async def test_a_refused_or_expired_token_raises_token_rejected(
    gmail: ProviderApi, calendar: ProviderApi, google: FakeGoogle, token: str
) -> None:
    with pytest.raises(TokenRejected):
        await gmail.run("unread_count", {}, "ya29.forged")
    google.expire_access_tokens()
    with pytest.raises(TokenRejected):
        await calendar.run("list_events", {}, token)
    assert len(google.api_requests) == 2  # a refused token is not retried here: the core refreshes it


async def test_a_token_without_the_scope_names_the_missing_scopes_and_where_to_reconnect(
    gmail: ProviderApi, calendar: ProviderApi, google: FakeGoogle
) -> None:
    read_only, _ = google.issue_tokens([READ, "https://www.googleapis.com/auth/calendar.readonly"])
    with pytest.raises(MissingScopes) as caught:
        await gmail.run("send_email", {"to": ["bob@example.com"], "subject": "s", "body": "b"}, read_only)
    assert caught.value.extensions == {"missing_scopes": [SEND], "reconnect_url": "/api/v1/integrations/gmail/connect"}
    assert google.sent == []
    with pytest.raises(MissingScopes) as caught:
        await calendar.run("create_event", EVENT, read_only)
    assert caught.value.missing_scopes == [EVENTS]


def quick(http: httpx.AsyncClient, google: FakeGoogle, name: str) -> ProviderApi:
    """A provider that gives up waiting for an answer after half a second."""
    provider = RegisteredProviders(http, google.base_url, retries=2, timeout=0.5).get(name)
    assert provider is not None
    return provider


def lose_next_answer(google: FakeGoogle, how: str) -> None:
    """The next request is carried out, but its answer is a 503, or comes after the client gave up."""
    if how == "5xx":
        google.fail_api_next(1, 503, after=True)
    else:
        google.delay_api_next(1, 1.5)


EVENT = {"title": "Dentist", "start": "2025-03-12T09:00:00Z", "end": "2025-03-12T10:00:00Z"}
MESSAGE = {"to": ["bob@example.com"], "subject": "Once", "body": "only once"}


@pytest.mark.parametrize("how", ["5xx", "timeout"])
async def test_a_retried_create_event_makes_one_event(
    http: httpx.AsyncClient, google: FakeGoogle, token: str, how: str
) -> None:
    lose_next_answer(google, how)
    event = await quick(http, google, "google_calendar").run("create_event", EVENT, token)
    assert list(google.events) == [event["id"]]
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event["id"])  # base32hex, as Google requires of a chosen id
    assert event["title"] == "Dentist"
    assert [method for method, _ in google.api_requests] == ["POST", "POST", "GET"]  # 409 duplicate, read back


async def test_an_event_id_google_refuses_and_a_duplicate_one_speak_googles_errors(
    http: httpx.AsyncClient, google: FakeGoogle, token: str
) -> None:
    api = GoogleApi(http, google.base_url, retries=0)
    body = {"id": "not-base32hex", "summary": "x", "start": {"date": "2025-03-12"}, "end": {"date": "2025-03-13"}}
    with pytest.raises(InvalidInput, match="Invalid resource id value"):
        await api.call("POST", "/calendar/v3/calendars/primary/events", token, body=body)
    await api.call("POST", "/calendar/v3/calendars/primary/events", token, body=body | {"id": "abcdef01"})
    with pytest.raises(AlreadyExists):
        await api.call("POST", "/calendar/v3/calendars/primary/events", token, body=body | {"id": "abcdef01"})


@pytest.mark.parametrize("how", ["5xx", "timeout"])
@pytest.mark.parametrize(("action", "outbox"), [("send_email", "sent"), ("create_draft", "drafts")])
async def test_mail_is_not_sent_again_once_it_may_have_reached_google(
    http: httpx.AsyncClient, google: FakeGoogle, token: str, how: str, *, action: str, outbox: str
) -> None:
    lose_next_answer(google, how)
    with pytest.raises(Unavailable) as caught:
        await quick(http, google, "gmail").run(action, MESSAGE, token)
    assert "may have been carried out" in caught.value.detail
    assert (len(getattr(google, outbox)), len(google.api_requests)) == (1, 1)


async def test_mail_refused_with_a_rate_limit_is_sent_again(gmail: ProviderApi, google: FakeGoogle, token: str) -> None:
    google.fail_api_next(1, 429)  # refused, not carried out: repeating it cannot send it twice
    await gmail.run("send_email", MESSAGE, token)
    assert (len(google.sent), len(google.api_requests)) == (1, 2)


class RefusesFirstConnection(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = LoopbackOnly()
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.refused:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_mail_is_sent_again_when_no_connection_could_be_made(google: FakeGoogle, token: str) -> None:
    transport = RefusesFirstConnection()
    async with httpx.AsyncClient(transport=transport) as client:
        gmail = RegisteredProviders(client, google.base_url, retries=2, timeout=3.0).get("gmail")
        assert gmail is not None
        sent = await gmail.run("send_email", MESSAGE, token)
    assert transport.refused == 1
    assert [m["Subject"] for m in google.sent] == ["Once"]
    assert sent["message_id"]


async def test_google_failing_twice_is_retried_and_then_answers(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    google.fail_api_next(1, 503)
    google.fail_api_next(1, 429)
    assert await gmail.run("unread_count", {}, token) == {"label": "INBOX", "unread": 0}
    assert len(google.api_requests) == 3


async def test_google_failing_on_is_unavailable_after_bounded_retries(
    gmail: ProviderApi, google: FakeGoogle, token: str
) -> None:
    google.fail_api_next(10, 503)
    with pytest.raises(Unavailable) as caught:
        await gmail.run("unread_count", {}, token)
    assert caught.value.detail == "google is unavailable, try again later"
    assert len(google.api_requests) == 3  # the call and two retries


async def test_a_numeric_retry_after_is_honoured(http: httpx.AsyncClient, google: FakeGoogle, token: str) -> None:
    api = GoogleApi(http, google.base_url, retries=1, timeout=3.0)
    google.fail_api_next(1, 429, retry_after=1)
    started = time.monotonic()
    assert await api.call("GET", "/gmail/v1/users/me/labels/INBOX", token) is not None
    assert time.monotonic() - started >= 1.0


async def test_an_unreachable_google_is_unavailable_and_names_neither_url_nor_token(http: httpx.AsyncClient) -> None:
    api = GoogleApi(http, "http://127.0.0.1:9/secret-path", retries=1, timeout=1.0)  # the discard port: closed
    with pytest.raises(Unavailable) as caught:
        await api.call("GET", "/gmail/v1/users/me/labels/INBOX", "ya29.secret-token")
    text = f"{caught.value} {caught.value.detail} {caught.value.__cause__} {caught.value.__context__}"
    assert "secret" not in text
    assert "127.0.0.1" not in text


async def test_an_unknown_action_is_invalid_input(gmail: ProviderApi, token: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await gmail.run("format_disk", {}, token)
    assert caught.value.errors[0].field == "action"
