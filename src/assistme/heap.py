"""A long-running server's heap: what startup made lives as long as the process, so the collector stops walking it."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Modules, routes, the container and the engine, out of the cyclic collector's reach. A full collection then
    walks only what came since: measured on the API, about 5 ms instead of about 200 ms, during which the event
    loop answers nothing (and the buffered analytics records make full collections come sooner)."""
    gc.collect()
    gc.freeze()
