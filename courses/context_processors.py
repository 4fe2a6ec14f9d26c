from cms.cache import tree_cached


def _catalogue_url():
    from .models import CataloguePage

    page = CataloguePage.objects.live().first()
    return page.get_url() if page else "/"


def catalogue(request) -> dict:
    """The catalogue's URL for the site-wide navigation, cached with the page tree."""
    return {"catalogue_url": tree_cached(("catalogue-url",), _catalogue_url)}
