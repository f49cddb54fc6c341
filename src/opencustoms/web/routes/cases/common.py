"""What the alert and case routes share: reading a JSON body or a form into a pydantic
model (one route serves the API and the page's forms), and answering either way."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from opencustoms.errors import InvalidInput
from opencustoms.web.render import wants_json

M = TypeVar("M", bound=BaseModel)
# Ids are database integers: bounded so a huge number is a 422, not a driver overflow.
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


async def read_body(request: Request, model: type[M], *, lists: tuple[str, ...] = ()) -> M:
    """The request's JSON object or form fields as ``model``; empty form fields are None.
    A bad value raises ``InvalidInput`` naming the field (422)."""
    ctype = request.headers.get("content-type", "")
    data: Any
    if ctype.startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            raise InvalidInput("body", "not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidInput("body", "expected a JSON object")
    else:
        form = await request.form()
        data = {
            k: (form.getlist(k) if k in lists else (form.get(k) or None))
            for k in form
            if k != "csrf_token"
        }
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidInput(field, first["msg"]) from None


def is_api(request: Request) -> bool:
    """JSON in (an API client) or JSON asked for: answer JSON; a form post: redirect."""
    return request.headers.get("content-type", "").startswith("application/json") or wants_json(
        request
    )


def answer(request: Request, result: BaseModel, *, then: str, status_code: int = 200) -> Response:
    if is_api(request):
        return JSONResponse(jsonable_encoder(result), status_code=status_code)
    return RedirectResponse(then, status_code=303)


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI request body of a route that reads JSON or a form itself."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "application/x-www-form-urlencoded": {"schema": schema},
            },
        }
    }
