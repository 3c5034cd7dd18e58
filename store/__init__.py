"""Persistence: campaigns, event ingestion and precomputed numbers, in memory or MongoDB."""

from __future__ import annotations

from store.base import Store
from store.memory import MemoryStore
from store.mongo import MongoStore


async def open_store(url: str, *, timeout: float = 5.0) -> Store:
    """Open the store named by `url` (`memory://` or `mongodb://…`), creating indexes."""
    if url == "memory://" or url == "memory:":
        return MemoryStore()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        store = MongoStore(url, timeout=timeout)
        await store.create_indexes()
        return store
    raise ValueError(f"unsupported store URL {url!r}: use memory:// or mongodb://host:port/db")


__all__ = ["MemoryStore", "MongoStore", "Store", "open_store"]
