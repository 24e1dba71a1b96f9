"""The app's services registry and the dependencies that reach it."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from app.core.state import Services, provider


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now


class Heavy:
    pass


def test_get_returns_what_was_added_under_its_type_or_the_given_one() -> None:
    services = Services()
    clock = Clock(1.0)
    services.add(clock)
    services.add(Clock(2.0), object)
    assert services.get(Clock) is clock
    assert isinstance(services.get(object), Clock)


def test_a_lazy_factory_runs_once_even_under_concurrent_first_use() -> None:
    services = Services()
    calls: list[int] = []
    barrier = threading.Barrier(8)

    def build() -> Heavy:
        calls.append(1)
        return Heavy()

    services.add_lazy(Heavy, build)
    seen: list[Heavy] = []

    def use() -> None:
        barrier.wait()
        seen.append(services.get(Heavy))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(h) for h in seen}) == 1


def test_a_missing_service_names_its_type() -> None:
    with pytest.raises(LookupError, match="Heavy"):
        Services().get(Heavy)


def test_provider_is_one_function_per_type_and_tests_can_override_it() -> None:
    assert provider(Clock) is provider(Clock)
    assert provider(Clock) is not provider(Heavy)
    app = FastAPI()
    services = Services()
    services.add(Clock(1.0))
    app.state.services = services

    @app.get("/now")
    def now(clock: Annotated[Clock, Depends(provider(Clock))]) -> float:
        return clock.now

    client = TestClient(app)
    assert client.get("/now").json() == 1.0
    app.dependency_overrides[provider(Clock)] = lambda: Clock(42.0)
    assert client.get("/now").json() == 42.0


def test_a_lazy_service_is_built_off_the_event_loop_once() -> None:
    app = FastAPI()
    services = Services()
    on_event_loop: list[bool] = []

    def build() -> Heavy:
        try:
            asyncio.get_running_loop()
            on_event_loop.append(True)
        except RuntimeError:
            on_event_loop.append(False)
        return Heavy()

    services.add_lazy(Heavy, build)
    app.state.services = services

    @app.get("/heavy")
    async def heavy(value: Annotated[Heavy, Depends(provider(Heavy))]) -> int:
        return id(value)

    client = TestClient(app)
    first, second = client.get("/heavy").json(), client.get("/heavy").json()
    assert first == second
    assert on_event_loop == [False]
