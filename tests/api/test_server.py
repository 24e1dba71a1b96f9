"""The served HTTP protocol turns Nagle off even on a listener uvicorn bound itself."""

from __future__ import annotations

import asyncio
import socket

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.api.server import NoDelayH11Protocol


async def _accepted_nodelay(protocol: type[H11Protocol]) -> int:
    """TCP_NODELAY of a connection accepted on a socket bound the way `--workers N` binds it."""
    listener = socket.socket(family=socket.AF_INET)  # proto 0, as uvicorn's bind_socket
    listener.bind(("127.0.0.1", 0))
    config = Config(app=lambda *_: None)
    config.load()
    state = ServerState()
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(protocol):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Probe(config=config, server_state=state, app_state={}), sock=listener
    )
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        value = await asyncio.wait_for(seen, 5)
        writer.close()
        return value
    finally:
        server.close()
        for conn in list(state.connections):
            conn.shutdown()
        await server.wait_closed()


@pytest.mark.parametrize(("protocol", "expected"), [(NoDelayH11Protocol, 1), (H11Protocol, 0)])
def test_nodelay_on_a_pre_bound_listener(protocol: type[H11Protocol], expected: int) -> None:
    """Ours sets it; uvicorn's own does not on this path (the bug this class exists for)."""
    assert bool(asyncio.run(_accepted_nodelay(protocol))) == bool(expected)
