"""Rate limits for logins and public forms: per client IP and per account, no CAPTCHA.

Each limit is a generic cell rate algorithm (GCRA, the token bucket written as one
timestamp per key): ``rate`` requests per ``per_seconds`` on average, bursts up to
``burst``. Memory is one float per active key; keys idle longer than a full bucket are
dropped when the table grows past ``max_keys``, so a flood of spoofed keys cannot exhaust
memory. The clock is injectable so tests step time instead of sleeping.

The limiter is per process. A deployment with several worker processes either runs one
worker per host behind sticky routing or accepts ``workers x`` the configured budget; the
limits in ``data/portal/limits.yaml`` leave room for that.

>>> now = [0.0]
>>> lim = Limiter({"login_ip": (6, 60, 2)}, clock=lambda: now[0])
>>> [lim.hit("login_ip", "10.0.0.1").allowed for _ in range(3)]
[True, True, False]
>>> lim.hit("login_ip", "10.0.0.2").allowed      # another client is not affected
True
>>> round(lim.hit("login_ip", "10.0.0.1").retry_after, 1)
10.0
>>> now[0] = 10.0; lim.hit("login_ip", "10.0.0.1").allowed
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from opencustoms.errors import DomainError, InvalidInput


class RateLimited(DomainError):
    """Too many requests for this action from this client or account (HTTP 429)."""

    def __init__(self, limit: str, retry_after: float) -> None:
        super().__init__(f"{limit}: too many requests; try again in {retry_after:.0f} s")
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until the next request would be allowed (0 if allowed)


class Limiter:
    def __init__(
        self,
        limits: Mapping[str, tuple[float, float, int]],
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        for name, (rate, per, burst) in limits.items():
            if rate <= 0 or per <= 0 or burst < 1:
                raise InvalidInput(name, "rate and per_seconds must be > 0 and burst >= 1")
        self._limits = dict(limits)
        self._clock = clock
        self._max_keys = max_keys
        self._tat: dict[tuple[str, str], float] = {}  # theoretical arrival time per key
        self._lock = threading.Lock()

    def _params(self, limit: str) -> tuple[float, float]:
        try:
            rate, per, burst = self._limits[limit]
        except KeyError:
            raise InvalidInput("limit", f"unknown rate limit {limit!r}") from None
        interval = per / rate
        return interval, interval * burst

    def hit(self, limit: str, key: str) -> Decision:
        """Count one request of ``key`` against ``limit``; a refused request is not counted
        (waiting, not hammering, is what lets a client back in)."""
        interval, tolerance = self._params(limit)
        now = self._clock()
        with self._lock:
            tat = max(self._tat.get((limit, key), now), now)
            new_tat = tat + interval
            if new_tat - now > tolerance:
                return Decision(False, new_tat - now - tolerance)
            self._tat[(limit, key)] = new_tat
            if len(self._tat) > self._max_keys:
                self._sweep(now)
        return Decision(True, 0.0)

    def check(self, limit: str, key: str) -> None:
        """:meth:`hit`, raising :class:`RateLimited` when refused."""
        decision = self.hit(limit, key)
        if not decision.allowed:
            raise RateLimited(limit, decision.retry_after)

    def reset(self, limit: str, key: str) -> None:
        """Forget a key (e.g. the account's failures after a successful login)."""
        with self._lock:
            self._tat.pop((limit, key), None)

    def _sweep(self, now: float) -> None:
        # A key whose TAT lies in the past has a full bucket: forgetting it changes nothing.
        stale = [k for k, tat in self._tat.items() if tat <= now]
        for k in stale:
            del self._tat[k]
        if len(self._tat) > self._max_keys:
            # Still too many live keys (a flood): drop the ones nearest to a full bucket.
            keep = sorted(self._tat.items(), key=lambda kv: kv[1])[-self._max_keys :]
            self._tat = dict(keep)


_default: Limiter | None = None


def default_limiter() -> Limiter:
    """The process-wide limiter with the limits of ``OPENCUSTOMS_PORTAL_LIMITS_FILE``."""
    global _default
    if _default is None:
        from opencustoms.portal.policy import load_limits
        from opencustoms.settings import get_settings

        _default = Limiter(load_limits(get_settings().portal_limits_file))
    return _default
