"""Who may see and change alerts and cases.

Officers and supervisors see and work their own office's alerts and cases; analysts see
every office (read only, as everywhere in the workspace); admins see and change all;
traders never see any. Alerts without an office are visible to cross-office roles only
(nobody's office owns them yet). Things a caller may not see are reported as not found,
so an officer cannot probe for other offices' case numbers; things a caller may see but
not change are forbidden.

>>> from dataclasses import dataclass
>>> kim = Actor(username="kim", role="officer", office="40")
>>> can_see(kim, "40"), can_see(kim, "20"), can_see(kim, None)
(True, False, False)
>>> can_see(Actor(username="ana", role="analyst", office="10"), "20")
True
>>> can_see(Actor(username="t", role="trader", office="40"), "40")
False
>>> can_change(kim, "40"), can_change(Actor(username="ana", role="analyst", office="10"), "40")
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from opencustoms.errors import Forbidden, NotFound

STAFF = frozenset({"officer", "supervisor", "analyst", "admin"})
CROSS_OFFICE = frozenset({"analyst", "admin"})


class ActorLike(Protocol):
    """Anything with a username, a role and an office (the workspace ``User`` is one)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> object: ...
    @property
    def office(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """A plain actor for the command line and tests."""

    username: str
    role: str
    office: str = ""


SYSTEM = Actor(username="system", role="admin", office="")


def role_of(actor: ActorLike) -> str:
    role = actor.role
    return str(getattr(role, "value", role))


def can_see(actor: ActorLike, office: str | None) -> bool:
    role = role_of(actor)
    if role in CROSS_OFFICE:
        return True
    return role in STAFF and office is not None and office == actor.office


def can_change(actor: ActorLike, office: str | None) -> bool:
    role = role_of(actor)
    if role == "admin":
        return True
    return role in ("officer", "supervisor") and office is not None and office == actor.office


def require_staff(actor: ActorLike) -> None:
    if role_of(actor) not in STAFF:
        raise Forbidden("alerts and cases are for customs staff only")


def require_visible(
    actor: ActorLike, office: str | None, what: str, *, write: bool = False
) -> None:
    """NotFound when the actor may not see it; Forbidden when ``write`` and they may see
    but not change it."""
    require_staff(actor)
    if not can_see(actor, office):
        raise NotFound(f"{what} not found")
    if write and not can_change(actor, office):
        raise Forbidden(f"role {role_of(actor)!r} may read but not change {what}")


def visible_offices(actor: ActorLike) -> set[str] | None:
    """The offices whose rows the actor may list; ``None`` means every office."""
    require_staff(actor)
    return None if role_of(actor) in CROSS_OFFICE else {actor.office}
