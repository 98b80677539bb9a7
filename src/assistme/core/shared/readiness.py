"""Readiness: can this process serve? Each dependency is probed concurrently with a short timeout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol


class Probe(Protocol):
    name: str

    async def __call__(self) -> None:
        """Return when the dependency answers; raise otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    checks: dict[str, str]


@dataclass(slots=True)
class CheckReadiness:
    probes: list[Probe]
    timeout: float

    async def __call__(self) -> Readiness:
        results = await asyncio.gather(*(self._run(p) for p in self.probes))
        checks = {p.name: r for p, r in zip(self.probes, results, strict=True)}
        return Readiness(all(r == "ok" for r in results), checks)

    async def _run(self, probe: Probe) -> str:
        try:
            await asyncio.wait_for(probe(), self.timeout)
        except TimeoutError:
            return "timeout"
        except Exception:  # a probe reports any failure as "failed", never raises
            return "failed"
        return "ok"
