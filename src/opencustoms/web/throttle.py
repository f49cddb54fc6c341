"""Login throttling for the workspace (UI form and token endpoint; issue 18, finding 6).

The portal's GCRA limiter (``portal.ratelimit``) with its ``login_ip`` and
``login_account`` limits (``data/portal/limits.yaml``, NIST SP 800-63B 5.2.2): every
attempt counts against the client address and the account, a success forgets the
account's count, an attempt over either limit is refused with 429 and Retry-After before
the password is even checked. One limiter per app (process), so tests and workers don't
share budgets.

Failures are audited while they are within the limits (so at most the limits' rate per
address and per account); refused attempts are not audited one by one: the first refusal
of a key in a window writes one ``login_throttled`` entry and later ones are counted into
the next, so an anonymous caller cannot flood the audit trail.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import Request

from opencustoms.portal.policy import load_limits
from opencustoms.portal.ratelimit import Limiter, RateLimited
from opencustoms.workspace import audit

AUDIT_WINDOW_SECONDS = 600.0


class LoginThrottle:
    def __init__(self, limits_file: Any, *, clock: Any = time.monotonic) -> None:
        self.limiter = Limiter(load_limits(limits_file), clock=clock)
        self._clock = clock
        self._lock = threading.Lock()
        self._refused: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def check(self, *, engine: Any, username: str, ip: str, via: str) -> None:
        """Count an attempt; raise ``RateLimited`` (HTTP 429) when over a limit."""
        account = f"staff:{username.strip().lower()}"
        try:
            self.limiter.check("login_ip", ip)
            self.limiter.check("login_account", account)
        except RateLimited as exc:
            self._audit_refusal(engine, exc.limit, ip if exc.limit == "login_ip" else account, via)
            raise

    def succeeded(self, username: str) -> None:
        self.limiter.reset("login_account", f"staff:{username.strip().lower()}")

    def _audit_refusal(self, engine: Any, limit: str, key: str, via: str) -> None:
        now = self._clock()
        with self._lock:
            start, count = self._refused.get(key, (-1e18, 0))
            if now - start < AUDIT_WINDOW_SECONDS:
                self._refused[key] = (start, count + 1)
                return
            self._refused[key] = (now, 0)
        audit.append(
            engine=engine,
            actor=key,
            role="-",
            action="login_throttled",
            object_type="login",
            object_id=key[:64],
            detail={"limit": limit, "via": via, "refused_since_last_entry": count},
        )


def throttle(ws: Any) -> LoginThrottle:
    t: LoginThrottle | None = ws.extras.get("login_throttle")
    if t is None:
        t = ws.extras.setdefault("login_throttle", LoginThrottle(ws.settings.portal_limits_file))
    return t


def client_address(request: Request) -> str:
    # The direct peer (uvicorn's --forwarded-allow-ips makes it the client behind a proxy);
    # X-Forwarded-For is never read here, a client could forge it.
    return request.client.host if request.client else "unknown"


def retry_after(exc: RateLimited) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(exc.retry_after)))}
