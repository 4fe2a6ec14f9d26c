"""Rendering a certificate to PDF with fonts shipped by the project, never fetched."""

from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

FONT_SUBSETS = ("vietnamese", "latin", "latin-ext")


def _font_faces() -> list[dict]:
    """One family per subset file: pango then picks, glyph by glyph, the file that has it."""
    faces = []
    for family in ("noto-serif", "noto-sans"):
        for subset in FONT_SUBSETS:
            for weight in ("400", "700"):
                found = finders.find(f"vendor/fonts/{family}-{subset}-{weight}-normal.woff2")
                if found:
                    faces.append(
                        {
                            "family": f"{family}-{subset}",
                            "weight": weight,
                            "url": Path(found).resolve().as_uri(),
                        }
                    )
    return faces


def render_certificate_pdf(certificate, course) -> bytes:
    from weasyprint import HTML

    verify_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "certificate-verify", args=[certificate.code]
    )
    qr_svg = segno.make(verify_url, error="m").svg_inline(scale=3, border=0)
    with translation.override("vi"):
        html = render_to_string(
            "courses/certificates/certificate.html",
            {
                "certificate": certificate,
                "course": course,
                "verify_url": verify_url,
                "qr_svg": qr_svg,
                "font_faces": _font_faces(),
                "families": [f"noto-serif-{s}" for s in FONT_SUBSETS],
                "completed_on": timezone.localtime(certificate.completed_at),
                "site_name": settings.WAGTAIL_SITE_NAME,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
