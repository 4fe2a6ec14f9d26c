"""One generation number for everything cached from the published page tree.

Any change to pages, view restrictions or sites bumps it (cms.signals), which retires
every cached route, outline and rendered lesson body at once. Publishing is rare next to
reading, so a site-wide bump costs little and can never leave a stale fragment behind.

Reads go through two levels: a small in-process LRU and the shared cache (Redis in a
deployment). Both are keyed by the generation, which is read from the shared cache once
per request (``TreeGenerationMiddleware``), so an entry of an older tree is never served
and a hot lesson costs no round trip beyond that one read.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache

GENERATION_KEY = "cms:tree-generation"
SHARED_TTL = 24 * 3600
LOCAL_ENTRIES = 512
_MISSING = object()

# Within a request: a dict that remembers the generation once read; outside one: None.
_request_memo: ContextVar[dict | None] = ContextVar("tree_generation_memo", default=None)
_local: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def tree_generation() -> int:
    memo = _request_memo.get()
    if memo and "generation" in memo:
        return memo["generation"]
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Started from the clock, not from 1: a flushed or restarted cache must never
        # hand out a number that in-process entries of an older tree still carry.
        cache.add(GENERATION_KEY, time.time_ns() // 1000, None)
        generation = cache.get(GENERATION_KEY)
    if memo is not None:
        memo["generation"] = generation
    return generation


def tree_changed() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, time.time_ns() // 1000, None)
    memo = _request_memo.get()
    if memo is not None:
        memo.pop("generation", None)
    with _lock:
        _local.clear()


def tree_cache_key(*parts) -> str:
    return ":".join(["tree", str(tree_generation()), *map(str, parts)])


def tree_cached(parts: tuple, compute: Callable[[], Any], *, shared: bool = True) -> Any:
    """The value for ``parts`` in the current tree, computed at most once per tree.

    ``compute`` may return None for "nothing here"; that answer is cached too. Values
    are shared between requests of a process: callers must not mutate them.
    """
    key = tree_cache_key(*parts)
    with _lock:
        value = _local.get(key, _MISSING)
        if value is not _MISSING:
            _local.move_to_end(key)
            return value
    if shared:
        value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        # Misses stay local: a flood of made-up URLs must not fill the shared cache.
        if shared and value is not None:
            cache.set(key, value, SHARED_TTL)
    with _lock:
        _local[key] = value
        if len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


def tree_cached_many(
    prefix: str, ids: set, compute: Callable[[set], dict], *, shared: bool = True
) -> dict:
    """``tree_cached`` for many keys at once: ``{id: value}`` for those ``compute``
    (given the ids found nowhere) knows; one shared-cache read and one computation."""
    keys = {tree_cache_key(prefix, i): i for i in ids}
    found: dict = {}
    with _lock:
        for key, i in keys.items():
            value = _local.get(key, _MISSING)
            if value is not _MISSING:
                _local.move_to_end(key)
                found[i] = value
    missing = {k: i for k, i in keys.items() if i not in found}
    if missing and shared:
        for key, value in cache.get_many(list(missing)).items():
            found[missing.pop(key)] = value
    if missing:
        computed = compute(set(missing.values()))
        if shared and computed:
            cache.set_many(
                {k: computed[i] for k, i in missing.items() if i in computed}, SHARED_TTL
            )
        # What compute did not know is remembered locally as nothing, like a miss.
        found.update({i: computed.get(i) for i in missing.values()})
    with _lock:
        for key, i in keys.items():
            _local[key] = found[i]
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return {i: v for i, v in found.items() if v is not None}


class TreeGenerationMiddleware:
    """Reads the tree generation at most once per request, and only if it is needed:
    the progress API and other views outside the page tree never read it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
