"""Course packs' plug-in contract: what an app puts into the pack of a course and takes
back out of one.

A pack carries a course from one installation to another (content_packs builds and
reads the file). Pages, images, documents, video and audio, and interactive packages
are content_packs' own business; an app that keeps course content of its own (quizzes
and their question banks, say) registers a ``PackPart`` from its app config, so that
the pack builder never imports it.

Every object a part exports has a key that is stable across installations (a UUID the
object keeps): importing a newer pack of the same course updates the objects with the
keys it finds and creates the others, so learners' progress on them stays.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from django.db.models import Model

from .registry import Registry


class PackOut(Protocol):
    """What a part may do while a course is exported."""

    def add_file(
        self, source: Callable[[], BinaryIO], *, sha256: str | None = None, size: int | None = None
    ) -> str:
        """Put a file into the pack (streamed); returns its SHA-256, its name there."""
        ...

    def reference(self, model: type[Model], pk: Any) -> Any:
        """How an object another part or a page refers to is written in the pack."""
        ...


class PackIn(Protocol):
    """What a part may do while a course is imported (inside the import's transaction)."""

    course: Any  # the CoursePage being created or updated

    def open_file(self, sha256: str) -> BinaryIO:
        """A file of the pack, streamed; its checksum is checked as it is read."""
        ...

    def resolve(self, reference: Any) -> Any:
        """The primary key, on this installation, of an object written by ``reference``."""
        ...


@dataclass(frozen=True)
class PackPart:
    # The manifest's section for this part ("quizzes").
    name: str
    # The course's objects of this part, as JSON-ready records (files through PackOut).
    export: Callable[[Any, PackOut], list[dict]]
    # Create or update the records' objects for PackIn.course; returns, for every model
    # whose objects lesson blocks may refer to, {key: local primary key}.
    load: Callable[[list[dict], PackIn], dict[type[Model], dict[str, Any]]]
    # The models lesson blocks may refer to, each with the stable key of an instance.
    keys: tuple[tuple[type[Model], Callable[[Model], str]], ...] = ()
    # Parts are loaded in this order, once the course's pages exist (their bodies not
    # yet written, as they may refer to the parts' objects) and its files are stored.
    order: int = 100


_parts: Registry[PackPart] = Registry("Pack part")
register_pack_part = _parts.register
unregister_pack_part = _parts.unregister


def pack_parts() -> list[PackPart]:
    return sorted(_parts.entries(), key=lambda part: (part.order, part.name))
