"""One generation number for everything cached from the published page tree.

Any change to pages, view restrictions or sites bumps it (cms.signals), which retires
every cached route, outline and rendered lesson body at once. Publishing is rare next to
reading, so a site-wide bump costs little and can never leave a stale fragment behind.
"""

from django.core.cache import cache

GENERATION_KEY = "cms:tree-generation"


def tree_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY) or 1
    return generation


def tree_changed() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, None)


def tree_cache_key(*parts) -> str:
    return ":".join(["tree", str(tree_generation()), *map(str, parts)])
