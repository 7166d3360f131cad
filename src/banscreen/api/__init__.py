"""The HTTP service (FastAPI) and its review page."""
