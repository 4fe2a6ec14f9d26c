"""Serving pages with the route and the page itself cached.

Wagtail's own serve view walks the tree one query per level and checks view
restrictions with two more queries; a lesson five levels deep costs a dozen queries
before its own work starts. Here the site, the route and the specific page come from
the tree cache (retired by any tree change, see cms.cache), and the restriction check
runs only for pages that have a restricted ancestor. Anything the fast path does not
know falls back to Wagtail's serve view, so routable pages and 404s behave as before.
"""

import copy

from django.http import Http404, HttpResponse
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.views import serve as wagtail_serve
from wagtail.views import serve_chain
from wagtail.wagtail_hooks import check_view_restrictions

from .cache import tree_cached


def _find_page(request, path: str) -> tuple[Site, Page] | str | None:
    site = Site.find_for_request(request)
    if site is None:
        return None
    found = (
        Page.objects.live()
        .filter(url_path=site.root_page.url_path + path)
        .only("id", "content_type", "path", "depth")
        .first()
    )
    if found is None:
        return None
    if _has_unpublished_ancestor(found):
        return UNREACHABLE
    return site, found.specific


UNREACHABLE = "unreachable"


def _has_unpublished_ancestor(page: Page) -> bool:
    # A live page under an unpublished one (a lesson of a withdrawn module) is not
    # served: learners cannot reach it, and it does not count. Wagtail's own routing
    # only checks the last page, so this answers 404 itself rather than falling back.
    return Page.objects.ancestor_of(page).filter(depth__gt=1, live=False).exists()


def _restricted_paths() -> list[str]:
    return list(PageViewRestriction.objects.values_list("page__path", flat=True))


def serve(request, path: str):
    found = tree_cached(("route", request.get_host(), path), lambda: _find_page(request, path))
    if found is None:
        return wagtail_serve(request, path)
    if found == UNREACHABLE:
        raise Http404
    site, page = found
    request._wagtail_site = site
    # The cached instance is shared by every request of this process.
    page = copy.copy(page)

    chain = serve_chain
    restricted = any(
        page.path.startswith(p) for p in tree_cached(("restricted",), _restricted_paths)
    )
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        if fn is check_view_restrictions and not restricted:
            continue
        chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, [], {})
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, [], {})
