"""Serving pages with the route and the page itself cached.

Wagtail's own serve view walks the tree one query per level and checks view
restrictions with two more queries; a lesson five levels deep costs a dozen queries
before its own work starts. Here the site, the route and the specific page come from
the cache (retired by any tree change, see cms.cache), and the restriction check runs
only for pages that have a restricted ancestor. Anything the fast path does not know
falls back to Wagtail's serve view, so routable pages and 404s behave as before.
"""

from django.core.cache import cache
from django.http import HttpResponse
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.views import serve as wagtail_serve
from wagtail.views import serve_chain
from wagtail.wagtail_hooks import check_view_restrictions

from .cache import tree_cache_key

TTL = 24 * 3600


def _site(request) -> Site | None:
    key = tree_cache_key("site", request.get_host())
    site = cache.get(key)
    if site is None:
        site = Site.find_for_request(request)
        if site is None:
            return None
        site.root_page  # noqa: B018 - loaded now so the cached copy carries it
        cache.set(key, site, TTL)
    request._wagtail_site = site
    return site


def _restricted_paths() -> list[str]:
    key = tree_cache_key("restricted-paths")
    paths = cache.get(key)
    if paths is None:
        paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
        cache.set(key, paths, TTL)
    return paths


def _page(site: Site, path: str) -> Page | None:
    url_path = site.root_page.url_path + path
    key = tree_cache_key("page", url_path)
    page = cache.get(key)
    if page is None:
        found = Page.objects.live().filter(url_path=url_path).only("id", "content_type").first()
        if found is None:
            return None
        page = found.specific
        cache.set(key, page, TTL)
    return page


def serve(request, path: str):
    site = _site(request)
    page = _page(site, path) if site is not None else None
    if page is None:
        return wagtail_serve(request, path)

    chain = serve_chain
    restricted = any(page.path.startswith(p) for p in _restricted_paths())
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        if fn is check_view_restrictions and not restricted:
            continue
        chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, [], {})
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, [], {})
