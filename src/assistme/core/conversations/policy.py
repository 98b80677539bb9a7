"""The limits of a conversation, from settings."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CONTENT = 32_000  # characters of one message a person sends


@dataclass(frozen=True, slots=True)
class AgentPolicy:
    max_steps: int = 8  # model calls per reply; a model that keeps calling tools is stopped here
    token_budget: int = 20_000  # tokens per reply, as the model server counts them
    history_chars: int = 24_000  # of earlier messages sent with each call, the newest first
    history_messages: int = 100
    max_depth: int = 2  # sub-assistants asking sub-assistants
    max_reply_tokens: int | None = None
    chat_limit: str = "20/minute"  # replies per person
    task_limit: str = "10/minute"  # agent tasks a person may submit
    task_queue_lease: int = 60  # seconds a queued task waits for a worker before the sweeper queues it again
    task_lease: int = 300  # seconds a worker holds a task between steps; outlasts one model call with retries
    task_max_attempts: int = 3  # workers that may die on one task before it fails
    reply_lease: int = 300  # seconds a reply holds its conversation between model calls; outlasts one, like task_lease
