"""Uploading H5P packages: every valid hub package is stored with its libraries shared,
every broken or hostile one is refused with its own reason and leaves nothing behind."""

import io
import stat
import zipfile
from pathlib import Path

import pytest
from wagtail.models import Collection

from cms.media.storage import media_storage, walk
from content_packs.archive import PackageError
from content_packs.models import H5PLibrary, Package
from content_packs.services.packages import h5p_package_create, package_delete
from content_packs.tests.testdata import H5P

TESTDATA = H5P
VALID = sorted((TESTDATA / "valid").glob("*.h5p"))
SCORED = {
    "H5P.Accordion.h5p": False,
    "H5P.Dialogcards.h5p": False,
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return tmp_path / "private"


@pytest.fixture
def collection():
    return Collection.get_first_root_node().add_child(name="Khóa học thử")


def stored_files() -> list[str]:
    return list(walk(media_storage(), "packages"))


def upload(data: bytes | Path, collection) -> Package:
    source = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
    with source:
        return h5p_package_create(source=source, collection=collection)


def hub_entries(name: str = "hello-world-truefalse.h5p") -> dict[str, bytes]:
    with zipfile.ZipFile(TESTDATA / "valid" / name) as archive:
        return {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }


def zipped(entries: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_every_hub_package_is_stored_with_what_its_player_needs(path, collection):
    package = upload(path, collection)
    assert package.kind == Package.Kind.H5P
    assert package.scored is SCORED.get(path.name, True)
    assert "content/content.json" in package.files
    names = set(stored_files())
    assert f"{package.storage_prefix}/h5p.json" in names
    assert f"{package.storage_prefix}/content/content.json" in names
    main = [lib for lib in package.libraries.all() if lib.machine_name == package.main_library]
    assert main, "the main library is linked"
    for library in package.libraries.all():
        for name in library.metadata.get("preloadedJs", []):
            assert f"{library.storage_prefix}/{name['path']}" in names


def test_libraries_already_installed_are_reused_not_stored_again(collection):
    first = upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    libraries = H5PLibrary.objects.count()
    files = len(stored_files())
    second = upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    assert H5PLibrary.objects.count() == libraries
    assert set(second.libraries.all()) == set(first.libraries.all())
    # Only the second package's own content was written.
    assert len(stored_files()) - files == len(second.files) + 1


def test_a_package_may_rely_on_libraries_this_installation_holds(collection):
    upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    entries = {
        name: data
        for name, data in hub_entries("H5P.TrueFalse.h5p").items()
        if not name.startswith("H5P.Question-")
    }
    package = upload(zipped(entries), collection)
    assert package.libraries.filter(machine_name="H5P.Question").exists()


INVALID_REASONS = {
    "corrupt_archive.h5p": "không phải gói zip",
    "broken-h5p-json.h5p": "h5p.json không phải JSON hợp lệ",
    "broken-content-json.h5p": "content/content.json không phải JSON hợp lệ",
    "invalid-h5p-json-schema.h5p": "mainLibrary",
    "malformed-library-directory.h5p": "library! sai tên",
    "missing-preloaded-js.h5p": "greetingcard.js",
    "invalid-library-json.h5p": "majorVersion",
}


@pytest.mark.parametrize("name", sorted(INVALID_REASONS))
def test_every_broken_package_is_refused_with_its_own_reason(name, collection):
    with pytest.raises(PackageError) as refused:
        upload(TESTDATA / "invalid" / name, collection)
    assert INVALID_REASONS[name] in refused.value.message
    assert Package.objects.count() == 0 and H5PLibrary.objects.count() == 0
    assert stored_files() == []


def test_the_testdata_lists_every_broken_package():
    assert {p.name for p in (TESTDATA / "invalid").glob("*.h5p")} == set(INVALID_REASONS)


def hostile(change) -> bytes:
    entries = hub_entries()
    change(entries)
    return zipped(entries)


HOSTILE = {
    "traversal": (lambda e: e.__setitem__("content/../../evil.json", b"{}"), "ra ngoài"),
    "absolute": (lambda e: e.__setitem__("/etc/evil.json", b"{}"), "không hợp lệ"),
    "backslash": (lambda e: e.__setitem__("content\\..\\..\\evil.json", b"{}"), "ra ngoài"),
    "drive": (lambda e: e.__setitem__("C:/evil.json", b"{}"), "không hợp lệ"),
    "extension": (
        lambda e: e.__setitem__("content/run.exe", b"MZ\x90\x00"),
        "đuôi không được phép",
    ),
    "php": (lambda e: e.__setitem__("content/shell.php", b"<?php ?>"), "đuôi không được phép"),
    "html in content": (
        lambda e: e.__setitem__("content/page.html", b"<script>"),
        "đuôi không được phép",
    ),
    "png that is not": (
        lambda e: e.__setitem__("content/pic.png", b"<svg onload=alert(1)>"),
        "không khớp",
    ),
    "js that is binary": (
        lambda e: e.__setitem__(
            "H5P.TrueFalse-1.6/scripts/x.js", b"\x7fELF\x02\x01\x01" + bytes(64)
        ),
        "đuôi",
    ),
    "json with nul": (lambda e: e.__setitem__("content/data.json", b'{"a": "\x00"}'), "không khớp"),
    "duplicate by case": (lambda e: e.__setitem__("CONTENT/content.json", b"{}"), "trùng tên"),
    "missing library": (
        lambda e: [e.pop(n) for n in [n for n in e if n.startswith("H5P.Question-")]],
        "H5P.Question",
    ),
    "missing content": (lambda e: e.pop("content/content.json"), "content/content.json"),
    "content not an object": (lambda e: e.__setitem__("content/content.json", b"[1]"), "đối tượng"),
    "nan in json": (lambda e: e.__setitem__("content/content.json", b'{"a": NaN}'), "JSON"),
    "long name": (lambda e: e.__setitem__("content/" + "a" * 300 + ".json", b"{}"), "quá dài"),
    "deep json": (
        lambda e: e.__setitem__("content/content.json", b"[" * 100_000 + b"]" * 100_000),
        "JSON",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_packages_are_refused_and_leave_nothing(case, collection):
    change, reason = HOSTILE[case]
    with pytest.raises(PackageError) as refused:
        upload(hostile(change), collection)
    assert reason in refused.value.message, refused.value.message
    assert Package.objects.count() == 0 and H5PLibrary.objects.count() == 0
    assert stored_files() == []


def test_symbolic_links_are_refused(collection):
    entries = hub_entries() | {"content/link.json": b"/etc/passwd"}
    with pytest.raises(PackageError, match="symlink"):
        upload(zipped(entries, links=("content/link.json",)), collection)
    assert stored_files() == []


def test_a_zip_bomb_is_refused_before_it_is_inflated(collection, settings):
    entries = hub_entries() | {"content/bomb.txt": b"0" * (50 * 1024 * 1024)}
    with pytest.raises(PackageError, match="bom nén"):
        upload(zipped(entries), collection)
    settings.PACKAGE_MAX_EXTRACTED_BYTES = 1024 * 1024
    with pytest.raises(PackageError, match="khi giải nén vượt quá"):
        upload(zipped(hub_entries() | {"content/big.txt": bytes(range(256)) * 8192}), collection)
    assert stored_files() == []


def test_size_and_count_limits_name_the_limit(collection, settings):
    settings.PACKAGE_MAX_BYTES = 100 * 1024
    with pytest.raises(PackageError, match="Gói quá lớn"):
        upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    settings.PACKAGE_MAX_BYTES = 300 * 1024 * 1024
    settings.PACKAGE_MAX_FILES = 20
    with pytest.raises(PackageError, match="quá nhiều tệp"):
        upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)


def test_a_damaged_entry_is_refused(collection):
    data = bytearray(zipped(hub_entries()))
    # Flip a byte inside the first entry's compressed data: its CRC no longer matches.
    offset = data.index(b"PK\x03\x04") + 30 + len(next(iter(hub_entries())).encode()) + 5
    data[offset] ^= 0xFF
    with pytest.raises(PackageError):
        upload(bytes(data), collection)
    assert stored_files() == []


def test_a_failure_while_storing_removes_what_was_written(collection, monkeypatch):
    from content_packs.services import packages

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(packages, "_link_libraries", fail)
    with pytest.raises(OSError):
        upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    assert Package.objects.count() == 0
    assert stored_files() == []


def test_deleting_a_package_removes_its_files_but_keeps_shared_libraries(
    collection, django_capture_on_commit_callbacks
):
    first = upload(TESTDATA / "valid" / "H5P.TrueFalse.h5p", collection)
    second = upload(TESTDATA / "valid" / "hello-world-truefalse.h5p", collection)
    with django_capture_on_commit_callbacks(execute=True):
        package_delete(first)
    names = stored_files()
    assert not any(name.startswith(first.storage_prefix) for name in names)
    assert any(name.startswith(second.storage_prefix) for name in names)
    for library in second.libraries.all():
        assert any(name.startswith(library.storage_prefix) for name in names)
