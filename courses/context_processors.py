from django.core.cache import cache

from cms.cache import tree_cache_key


def catalogue(request) -> dict:
    """The catalogue's URL for the site-wide navigation, cached with the page tree."""
    key = tree_cache_key("catalogue-url")
    url = cache.get(key)
    if url is None:
        from .models import CataloguePage

        page = CataloguePage.objects.live().first()
        url = page.get_url(request) if page else "/"
        cache.set(key, url, 3600)
    return {"catalogue_url": url}
