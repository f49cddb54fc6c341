"""The public and trader portal (``/portal/...``) and its officers' side."""

from __future__ import annotations

from fastapi import APIRouter

from opencustoms.web.routes.portal import account, office, public

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(account.router)
router.include_router(office.router)
