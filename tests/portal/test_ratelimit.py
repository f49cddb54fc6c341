"""The limiter: bursts, steady rate, independence of keys and limits, bounded memory."""

from __future__ import annotations

import pytest

from opencustoms.errors import InvalidInput
from opencustoms.portal.ratelimit import Limiter, RateLimited


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_steady_rate_and_refusals_are_not_counted() -> None:
    clock = Clock()
    lim = Limiter({"x": (10, 60, 3)}, clock=clock)  # one per 6 s, bursts of 3
    assert [lim.hit("x", "k").allowed for _ in range(4)] == [True, True, True, False]
    # Hammering while refused does not push the wait further out.
    waits = [lim.hit("x", "k").retry_after for _ in range(5)]
    assert waits == [pytest.approx(6.0)] * 5
    clock.t = 6.0
    assert lim.hit("x", "k").allowed and not lim.hit("x", "k").allowed
    clock.t = 1000.0  # after a long pause the full burst is back
    assert [lim.hit("x", "k").allowed for _ in range(4)] == [True, True, True, False]


def test_keys_and_limits_are_independent() -> None:
    lim = Limiter({"ip": (1, 60, 1), "acct": (1, 60, 1)}, clock=Clock())
    assert lim.hit("ip", "1.2.3.4").allowed
    assert not lim.hit("ip", "1.2.3.4").allowed
    assert lim.hit("ip", "5.6.7.8").allowed
    assert lim.hit("acct", "1.2.3.4").allowed
    with pytest.raises(RateLimited) as err:
        lim.check("ip", "1.2.3.4")
    assert err.value.limit == "ip" and err.value.retry_after == pytest.approx(60.0)
    lim.reset("ip", "1.2.3.4")
    assert lim.hit("ip", "1.2.3.4").allowed


def test_memory_stays_bounded_under_a_flood_of_keys() -> None:
    clock = Clock()
    lim = Limiter({"x": (1, 60, 1)}, clock=clock, max_keys=100)
    for i in range(1000):
        clock.t = i * 0.001
        lim.hit("x", f"spoofed-{i}")
    assert len(lim._tat) <= 101


def test_bad_configuration_and_unknown_limits_are_named() -> None:
    with pytest.raises(InvalidInput) as err:
        Limiter({"login_ip": (0, 60, 1)})
    assert err.value.field == "login_ip"
    with pytest.raises(InvalidInput) as err:
        Limiter({}).hit("nope", "k")
    assert err.value.field == "limit"
