"""Running the tools a model calls, by each tool's own rules (the agent checked the arguments against its schema).

A failing tool is an answer the model reads (``{"error": ...}``), never a failed reply. Calendar and mail writes
are not run: they become pending actions for the person to confirm, because what the model read (an email, an
event) may carry someone else's instructions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from assistme.core.assistants.entities import Tool, ToolType
from assistme.core.briefing.weather import CurrentWeather
from assistme.core.conversations.arguments import (
    ToolFailed,
    instant,
    mapping,
    number,
    refusal,
    required_text,
    text,
)
from assistme.core.conversations.entities import ToolCallRecord
from assistme.core.conversations.ports import PendingActionRepository
from assistme.core.conversations.redaction import redact
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ProviderAction
from assistme.core.integrations.ports import ParamsChecker, Providers
from assistme.core.scheduling.entities import JobSpec, JobType, MisfirePolicy
from assistme.core.scheduling.jobs import CreateJob
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import DomainError, StoreUnavailable
from assistme.core.shared.uow import UnitOfWork
from assistme.core.shared.zones import check_timezone

PROVIDER_OF = {ToolType.CALENDAR: "google_calendar", ToolType.GMAIL: "gmail"}


@dataclass(frozen=True, slots=True)
class Caller:
    """On whose behalf the tools run, and where pending actions are filed."""

    principal: Principal
    timezone: str
    conversation_id: UUID | None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    call: ToolCallRecord
    result: Any = None
    error: str | None = None
    action_id: UUID | None = None  # a write waiting for the person's confirmation
    tokens: int = 0  # what the tool spent of the reply's token budget (a sub-assistant's model calls)

    @property
    def content(self) -> str:
        """What the model reads, and what is stored (secrets masked)."""
        return json.dumps(redact({"error": self.error} if self.error else self.result), default=str)


@dataclass(slots=True)
class ToolBox:
    checker: ParamsChecker
    create_job: CreateJob
    provider_action: ProviderAction
    providers: Providers
    pending: PendingActionRepository
    uow: UnitOfWork
    clock: Clock
    weather: CurrentWeather

    async def run(self, caller: Caller, tool: Tool, call: ToolCallRecord, arguments: dict[str, Any]) -> ToolOutcome:
        """Everything but ``sub_assistant``, which the agent runs itself; ``arguments`` passed the tool's schema,
        ``call`` is what is stored of them."""
        try:
            if tool.tool_type in PROVIDER_OF:
                return await self._provider(caller, call, PROVIDER_OF[tool.tool_type], arguments)
            return ToolOutcome(call, await self._local(caller, tool.tool_type, arguments))
        except ToolFailed as failed:
            return ToolOutcome(call, error=failed.message)
        except StoreUnavailable:  # not the tool's answer: the whole reply or task stops and is tried again
            raise
        except DomainError as refused:  # no connection, missing scopes, a dead grant, a bad time zone...
            return ToolOutcome(call, error=refused.detail)

    async def _local(self, caller: Caller, kind: ToolType, arguments: dict[str, Any]) -> Any:
        if kind is ToolType.TIME:
            zone = check_timezone(text(arguments, "timezone") or caller.timezone)
            now = self.clock.now().astimezone(ZoneInfo(zone))
            return {"now": now.isoformat(), "timezone": zone, "weekday": now.strftime("%A")}
        if kind is ToolType.REMINDER:
            return await self._remind(caller, required_text(arguments, "message"), instant(arguments, "run_at"))
        if kind is ToolType.WEATHER:
            zone = text(arguments, "timezone") or caller.timezone
            lat, lon = number(arguments, "lat"), number(arguments, "lon")
            return msgspec.to_builtins(await self.weather(caller.principal, lat, lon, zone))
        raise ToolFailed(f"tools of type {kind.value} cannot run here")

    async def _remind(self, caller: Caller, message: str, run_at: datetime) -> dict[str, str]:
        spec = JobSpec(
            name=f"Reminder: {message}"[:200],
            type=JobType.NOTIFICATION,
            cron_expression=None,
            run_at=run_at,
            timezone=caller.timezone,
            payload={"message": message},
            is_active=True,
            misfire_policy=MisfirePolicy.RUN_ONCE,
        )
        job = await self.create_job(caller.principal, spec)
        return {"reminder_id": str(job.id), "run_at": run_at.isoformat(), "message": message}

    async def _provider(
        self, caller: Caller, record: ToolCallRecord, provider: str, arguments: dict[str, Any]
    ) -> ToolOutcome:
        action, params = required_text(arguments, "action"), mapping(arguments, "params")
        api = self.providers.get(provider)
        spec = api.spec.action(action) if api is not None else None
        if spec is None or not spec.writes:
            return ToolOutcome(record, await self.provider_action(caller.principal, provider, action, params))
        if caller.conversation_id is None:
            raise ToolFailed(f"{action} changes the user's data and needs their confirmation in a conversation")
        if errors := self.checker.violations(params, spec.params):  # refuse now what confirming would refuse
            raise refusal(errors, "params")
        pending = await self.pending.add(
            caller.conversation_id, caller.principal.require_user(), provider, action, params, now=self.clock.now()
        )
        await self.uow.commit()
        held = {"status": "awaiting_confirmation", "action_id": str(pending.id), "action": action}
        return ToolOutcome(record, held, action_id=pending.id)
