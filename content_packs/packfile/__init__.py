"""Content packs: one signed file that carries a whole course between installations.

The format and its rules are described in ``content_packs.packfile.format``.
"""

from .format import FORMAT, FORMAT_VERSION, PackError
from .keys import (
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    public_key_text,
)
from .reader import PackReader
from .writer import PackWriter

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "PackError",
    "PackReader",
    "PackWriter",
    "generate_key_pair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_key_text",
]
