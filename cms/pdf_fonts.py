"""The fonts every PDF the project renders is set in, found among its own static files.

WeasyPrint would otherwise fall back to whatever fonts the server has (often none with
Vietnamese diacritics) or fetch them; the files shipped with the project make the
output the same on every machine.
"""

from pathlib import Path

from django.contrib.staticfiles import finders

FONT_SUBSETS = ("vietnamese", "latin", "latin-ext")
FONT_FAMILIES = ("noto-serif", "noto-sans")
FONT_WEIGHTS = ("400", "700")


def font_faces() -> list[dict]:
    """One family per subset file: pango then picks, glyph by glyph, the file that has it."""
    faces = []
    for family in FONT_FAMILIES:
        for subset in FONT_SUBSETS:
            for weight in FONT_WEIGHTS:
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


def font_stack(family: str) -> list[str]:
    """The per-subset family names of one font, in the order pango should try them."""
    return [f"{family}-{subset}" for subset in FONT_SUBSETS]
