"""Pagination shared by every list endpoint: ``?page=1&page_size=50``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")
MAX_PAGE_SIZE = 500


class PageParams(BaseModel):
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the filters, over all pages.")
    page: int
    page_size: int
    pages: int

    @classmethod
    def of(cls, items: list[T], *, total: int, params: PageParams) -> Page[T]:
        pages = (total + params.page_size - 1) // params.page_size
        return cls(
            items=items, total=total, page=params.page, page_size=params.page_size, pages=pages
        )
