"""The web face: the FastAPI app, authentication, HTML-or-JSON rendering and one router
per domain under ``routes/``. Nothing below the faces imports this package."""
