"""Two corrections to ckanext-harvest's queue, installed when the suite loads.

**Consumers that survive an idle queue.** Its gather and fetch consumers wait
for messages with a BLPOP that has no timeout of its own and relies on the
socket blocking. redis-py 8 (pinned by CKAN 2.12) gives every client a 5 s
socket timeout by default, so a consumer left idle for 5 s dies with "Timeout
reading from socket" (ckan/ckanext-harvest#581). Until ckanext-harvest asks for
``socket_timeout=None`` itself, its connections are made so here; with
redis-py < 8 that is already the default.

**An object handled once.** ``ckan harvester run`` re-sends every WAITING
object missing from the Redis list, and one a fetch consumer has just popped
(not yet marked FETCH) is both: run from cron beside busy consumers, it hands
the same object out twice. The second delivery would import it again and
replace its report ("added" becomes "not modified"), or, once the job is
finished, mark an imported object as errored. A delivery of an object whose
stages have already ended is acknowledged and dropped; the first outcome stands.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

# States ckanext-harvest gives an object when both stages are over; the report
# status is written last, so both together mean "already handled".
ENDED_STATES = frozenset({"COMPLETE", "ERROR"})


def install() -> None:
    """Idempotent: wraps ckanext-harvest's queue functions once.

    Its ``fetch_consumer`` imports ``fetch_callback`` from the module when it
    starts, so replacing the module attribute reaches the consumer."""
    from ckanext.harvest import queue

    if not getattr(queue.get_connection_redis, "blocking", False):
        queue.get_connection_redis = _blocking(queue.get_connection_redis)
    if not getattr(queue.fetch_callback, "once", False):
        queue.fetch_callback = _handled_once(queue.fetch_callback)


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


def _handled_once(callback: Callable[..., Any]) -> Callable[..., Any]:
    def fetch_callback(channel: Any, method: Any, header: Any, body: Any) -> Any:
        obj = _ended_object(body)
        if obj is None:
            return callback(channel, method, header, body)
        log.info("Harvest object %s was already %s: second delivery ignored",
                 obj.id, obj.report_status)
        channel.basic_ack(method.delivery_tag)
        from ckan import model

        model.Session.remove()
        return False

    fetch_callback.once = True  # type: ignore[attr-defined]
    return fetch_callback


def _ended_object(body: Any) -> Any:
    """The harvest object a message names, if its stages have already ended.

    Anything unexpected (a malformed message, a database error) is left to
    ckanext-harvest's own callback, which knows how to report or retry it."""
    from ckanext.harvest.model import HarvestObject

    try:
        object_id = json.loads(body)["harvest_object_id"]
        obj = HarvestObject.get(object_id)
    except Exception:  # noqa: BLE001 - handed on unchanged, see above
        return None
    if obj is not None and obj.state in ENDED_STATES and obj.report_status:
        return obj
    return None
