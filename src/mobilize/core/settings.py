"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass

DATABASE_URL_VARIABLE = "MOBILIZE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///mobilize.db"


@dataclass(frozen=True)
class Settings:
    database_url: str


def load_settings() -> Settings:
    """The embedded SQLite file `mobilize.db` in the working directory unless told otherwise."""
    return Settings(database_url=os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL)
