"""ckanext-harvest's Redis queue connections without a socket timeout.

Its gather and fetch consumers wait for messages with a BLPOP that has no
timeout of its own and relies on the socket blocking. redis-py 8 (pinned by
CKAN 2.12) gives every client a 5 s socket timeout by default, so a consumer
left idle for 5 s dies with "Timeout reading from socket"
(ckan/ckanext-harvest#581). Until ckanext-harvest asks for
``socket_timeout=None`` itself, its connections are made so here; with
redis-py < 8 that is already the default.
"""
from __future__ import annotations

from typing import Any, Callable


def install() -> None:
    """Idempotent: wraps ``ckanext.harvest.queue.get_connection_redis`` once."""
    from ckanext.harvest import queue

    if getattr(queue.get_connection_redis, "blocking", False):
        return
    queue.get_connection_redis = _blocking(queue.get_connection_redis)


def _blocking(connect: Callable[[], Any]) -> Callable[[], Any]:
    def get_connection_redis() -> Any:
        client = connect()
        # Connections are opened lazily from these arguments.
        options = client.connection_pool.connection_kwargs
        options["socket_timeout"] = None
        options.pop("orig_socket_timeout", None)  # redis-py 8 restores it after maintenance events
        return client

    get_connection_redis.blocking = True  # type: ignore[attr-defined]
    return get_connection_redis
