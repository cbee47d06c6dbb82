"""The store: the database's schema and migrations, and the one writer of crawled data."""

from .schema import SCHEMA_VERSION, open_database
from .writer import Store

__all__ = ["SCHEMA_VERSION", "Store", "open_database"]
