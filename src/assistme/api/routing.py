"""Litestar's automatic OPTIONS answer, made truthful for paths served by several handlers."""

from __future__ import annotations

from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute


class TruthfulOptions(ReceiveRoutePlugin):
    """An OPTIONS request answers ``Allow`` with every method of its path.

    Litestar 2 builds a route again each time another handler joins its path, but keeps the OPTIONS handler of the
    first build, whose ``Allow`` lists only that build's methods (litestar#4169, fixed in Litestar 3 only): OPTIONS
    on ``/users/me`` said ``GET, OPTIONS``. The handler reads the methods of the route it closes over, so it is
    pointed at the route that serves the path now. A handler of another shape (a Litestar that fixed this) is left
    alone; tests/adversarial checks the answer either way.
    """

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            return
        handler = route.route_handler_map["OPTIONS"][0]
        fn = handler.fn
        cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True))
        stale = cells.get("self")
        if fn.__name__ == "options_handler" and stale is not None and isinstance(stale.cell_contents, HTTPRoute):
            stale.cell_contents = route
