"""server/http/transport.py adds its limits by overriding methods of uvicorn's httptools
protocol. An override of a method uvicorn renamed would never be called, and its limit would
be gone without a sound: each must still be uvicorn's (pyproject.toml pins the versions the
behaviour was tested with, tests/server/test_transport_limits.py; .ci/run tests the lowest)."""

from __future__ import annotations

import inspect

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from server.http.transport import GuardedProtocol, TransportLimits, protocol

#: Ours alone; every other method GuardedProtocol defines overrides uvicorn's.
OWN = {"evict"}


def test_every_method_the_limits_override_is_one_uvicorn_has_with_the_same_parameters():
    overrides = [
        name
        for name, value in vars(GuardedProtocol).items()
        if inspect.isfunction(value) and not name.startswith("_") and name not in OWN
    ]
    assert {"data_received", "on_message_complete", "on_response_complete"} <= set(overrides)
    for name in [*overrides, "__init__"]:
        theirs = getattr(HttpToolsProtocol, name, None)
        assert theirs is not None, f"uvicorn's protocol has no {name}()"
        ours = inspect.signature(getattr(GuardedProtocol, name)).parameters
        assert list(ours) == list(inspect.signature(theirs).parameters), name


def test_what_the_limits_read_of_a_request_is_still_there():
    cycle = inspect.signature(RequestResponseCycle.__init__).parameters
    assert "on_response" in cycle  # how on_response_complete is called
    source = inspect.getsource(RequestResponseCycle)
    for attribute in ("self.response_started", "self.response_complete"):
        assert attribute in source
    source = inspect.getsource(HttpToolsProtocol)
    for attribute in ("self.pipeline", "self.cycle", "self.flow", "self.server_state"):
        assert attribute in source


def test_each_server_gets_its_own_count_of_waiting_connections():
    one, two = protocol(TransportLimits(max_pending=3)), protocol(TransportLimits(max_pending=5))
    assert one.pending is not two.pending
    assert (one.pending.limit, two.pending.limit) == (3, 5)
    assert issubclass(one, HttpToolsProtocol)
