"""References inside page content, rewritten between installations.

A lesson body and a rich-text field name other objects by their primary keys on this
installation (an image, a document, a recording, a package, a quiz, another page). In a
pack they are written as ``{"$ref": "<app.model>", "key": "<stable key>"}`` and turned
back into the importing installation's keys. The walk follows the block definitions,
so any chooser block an app adds is handled without the pack knowing it.
"""

import re
from collections.abc import Callable
from typing import Any

import nh3
from django.db.models import Model
from wagtail import blocks

# (model, primary key) -> what to write instead; None when the object cannot travel.
Rewrite = Callable[[type[Model], Any], Any]

RICH_REFERENCE = re.compile(
    r'<(?P<tag>embed|a)\b(?P<attrs>[^>]*?)\b(?P<which>embedtype|linktype)="(?P<kind>image|document|page)"(?P<rest>[^>]*)>'
)
ID_ATTRIBUTE = re.compile(r'\bid="(?P<id>[^"]*)"')


def _is_chooser(block: blocks.Block) -> bool:
    return (
        isinstance(block, blocks.ChooserBlock) and getattr(block, "target_model", None) is not None
    )


def map_stream(
    block: blocks.StreamBlock, raw: list, rewrite: Rewrite, rich: Callable[[str], str]
) -> list:
    mapped = []
    for item in raw or []:
        child = block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
        if child is None:
            mapped.append(item)
            continue
        mapped.append({**item, "value": map_value(child, item.get("value"), rewrite, rich)})
    return mapped


def map_value(block: blocks.Block, value: Any, rewrite: Rewrite, rich: Callable[[str], str]) -> Any:
    if value is None:
        return None
    if isinstance(block, blocks.StreamBlock):
        return map_stream(block, value, rewrite, rich)
    if isinstance(block, blocks.StructBlock) and isinstance(value, dict):
        return {
            name: map_value(block.child_blocks[name], item, rewrite, rich)
            if name in block.child_blocks
            else item
            for name, item in value.items()
        }
    if isinstance(block, blocks.ListBlock) and isinstance(value, list):
        child = block.child_block
        return [
            {**item, "value": map_value(child, item.get("value"), rewrite, rich)}
            if isinstance(item, dict) and "value" in item and "type" in item
            else map_value(child, item, rewrite, rich)
            for item in value
        ]
    if _is_chooser(block):
        return rewrite(block.target_model, value)
    if isinstance(block, blocks.RichTextBlock) and isinstance(value, str):
        return rich(value)
    return value


def map_rich_text(html: str, rewrite_id: Callable[[str, str], str | None]) -> str:
    """Each image embed, document link and page link with its id rewritten by
    ``rewrite_id(kind, id)``; a reference that cannot travel loses its id (a link keeps
    its text, an embed disappears)."""

    def replace(match: re.Match) -> str:
        tag = match.group(0)
        found = ID_ATTRIBUTE.search(tag)
        new_id = rewrite_id(match.group("kind"), found.group("id")) if found else None
        if new_id is None:
            if match.group("tag") == "embed":
                return ""
            return "<a>"
        return ID_ATTRIBUTE.sub(f'id="{new_id}"', tag, count=1)

    return RICH_REFERENCE.sub(replace, html or "")


# What Wagtail's rich-text editor can produce (its database format), and nothing else: a
# pack's HTML never went through this installation's editor, so it is cleaned as the
# editor would have refused it.
RICH_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "b", "strong", "i", "em", "u", "s", "sub",
    "sup", "code", "blockquote", "ul", "ol", "li", "a", "hr", "embed",
}  # fmt: skip
RICH_ATTRIBUTES = {
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
}
VOID_EMBED = re.compile(r"<embed\b([^>]*?)\s*/?>")


def clean_rich_text(html: str) -> str:
    cleaned = nh3.clean(
        html or "",
        tags=RICH_TAGS,
        attributes=RICH_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
    )
    # Wagtail finds embeds in its database format by their self-closing form.
    return VOID_EMBED.sub(lambda m: f"<embed{m.group(1)}/>", cleaned)
