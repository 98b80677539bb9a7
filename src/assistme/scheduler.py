"""The Taskiq scheduler: ``taskiq scheduler assistme.scheduler:scheduler``.

It sends each task when the cron in its ``schedule`` label comes round (see ``assistme.worker``). Run one
scheduler: two would send everything twice. In the embedded setup the broker is in-process, so this
process also runs what it sends; in the served one the workers do.
"""

from __future__ import annotations

from taskiq import TaskiqScheduler
from taskiq.schedule_sources import LabelScheduleSource

from assistme.worker import broker

scheduler = TaskiqScheduler(broker, sources=[LabelScheduleSource(broker)])
