"""Domain errors: what a service function raises when it cannot do what was asked.

Domain packages raise these (or subclasses); the faces map them once: the web face to
HTTP status codes, the command line to exit codes and one ``error:`` line. A domain never
raises an HTTP exception and never exits the process.

>>> err = InvalidInput("hs_code", "must be 2-10 digits")
>>> str(err)
'hs_code: must be 2-10 digits'
>>> isinstance(err, DomainError), isinstance(err, ValueError)
(True, True)
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a domain service raises on purpose."""


class InvalidInput(DomainError, ValueError):
    """The caller's input is unusable; ``field`` names what is wrong (HTTP 422, exit 2)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Every (field, reason) wrong with the input; subclasses may report several."""
        return [(self.field, self.reason)]


class InvalidInputs(InvalidInput):
    """Several fields of one input are wrong (a form, a query string): all are reported,
    not only the first.

    >>> InvalidInputs([("page", "not a number"), ("sort", "unknown")]).problems[1]
    ('sort', 'unknown')
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        if not problems:
            raise ValueError("InvalidInputs needs at least one problem")
        super().__init__(*problems[0])
        self.args = ("; ".join(f"{f}: {r}" for f, r in problems),)
        self._problems = list(problems)

    @property
    def problems(self) -> list[tuple[str, str]]:
        return list(self._problems)


class NotFound(DomainError, LookupError):
    """The thing asked for does not exist, or the caller may not know it exists (404)."""


class Forbidden(DomainError, PermissionError):
    """The caller is known but not allowed to do this (403)."""


class Conflict(DomainError):
    """The request clashes with stored state (409), e.g. a duplicate identifier."""


class Unavailable(DomainError):
    """A dependency (database, model artefact) cannot be reached right now (503)."""
