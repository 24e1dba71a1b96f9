"""The app's process-wide objects (engine, session factory, token verifier, matching state,
embedder, enricher, model watcher), created by the app factory and reached through dependencies.

Nothing heavy lives in module globals: two apps in one process (tests, a benchmark next to a
server) never share a model or a candidate index by accident, and a test replaces any object
with `app.dependency_overrides[provider(Kind)]` instead of swapping a global. Objects are keyed
by their type, so a dependency's return type is the object's type; expensive ones (the
enrichment models) are built on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

T = TypeVar("T")


class Services:
    """One instance per type; a factory given with `add_lazy` runs once, on first `get`."""

    def __init__(self) -> None:
        self._values: dict[type[Any], object] = {}
        self._factories: dict[type[Any], Callable[[], object]] = {}
        self._lock = threading.Lock()

    def add(self, value: object, kind: type[Any] | None = None) -> None:
        self._values[kind or type(value)] = value

    def add_lazy(self, kind: type[T], factory: Callable[[], T]) -> None:
        self._factories[kind] = factory

    def built(self, kind: type[Any]) -> bool:
        return kind in self._values

    def get(self, kind: type[T]) -> T:
        if kind not in self._values:
            with self._lock:
                if kind not in self._values:
                    if kind not in self._factories:
                        raise LookupError(f"the app has no {kind.__name__}")
                    self._values[kind] = self._factories[kind]()
        return cast(T, self._values[kind])


_PROVIDERS: dict[type[Any], Callable[[Request], Awaitable[Any]]] = {}


def provider(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """The dependency returning the app's `kind`: one function per type, so that
    `app.dependency_overrides[provider(kind)]` replaces it everywhere."""
    if kind not in _PROVIDERS:
        # async: a lookup needs no worker thread (FastAPI runs sync dependencies in its pool);
        # only a first, lazy build runs in the pool, off the event loop.
        async def get(request: Request) -> T:
            services = services_of(request)
            if services.built(kind):
                return services.get(kind)
            return await run_in_threadpool(services.get, kind)

        get.__name__ = f"get_{kind.__name__}"
        _PROVIDERS[kind] = get
    return cast(Callable[[Request], Awaitable[T]], _PROVIDERS[kind])


def services_of(request: Request) -> Services:
    """The services of the app serving `request` (for code that is not a dependency)."""
    services: Services = request.app.state.services
    return services
