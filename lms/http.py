from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url_or(request, candidate: str, default: str) -> str:
    """``candidate`` (a form's or a link's "next") if it stays on this site, else
    ``default`` (a URL or URL name)."""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)
