"""The request workflow's fixtures (a database with the demo loaded, tokens, the app)."""

from tests.requests.conftest import app, client, demo  # noqa: F401
