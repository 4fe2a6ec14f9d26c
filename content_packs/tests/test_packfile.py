"""Content pack files: writing, reading back, and each way a pack is refused."""

import base64
import hashlib
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from content_packs.packfile import (
    FORMAT,
    FORMAT_VERSION,
    PackError,
    PackReader,
    PackWriter,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    public_key_text,
)

MB = 1024 * 1024
COURSE = {"course": {"title": "Kỹ năng số cho thanh niên", "lessons": [{"video": None}]}}
CREATED = "2025-03-01T08:00:00+00:00"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_pack(key, files: list[bytes], fields=COURSE) -> bytes:
    target = io.BytesIO()
    with PackWriter(target, key) as writer:
        for data in files:
            writer.add_bytes(data)
        writer.finish(fields)
    return target.getvalue()


@pytest.fixture
def pack(key) -> bytes:
    return write_pack(key, [b"video bytes" * 1000, b"subtitle"])


def entries_of(pack: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def zip_of(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    target = io.BytesIO()
    with warnings.catch_warnings():
        # Some tests write a name twice on purpose.
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return target.getvalue()


def signature_for(key: Ed25519PrivateKey, manifest: bytes, *, as_key=None) -> bytes:
    """signature.json as a third party would write it; ``as_key`` claims another key's id."""
    claimed = (as_key or key).public_key()
    return json.dumps(
        {
            "algorithm": "Ed25519",
            "key_id": key_id(claimed),
            "signature": base64.b64encode(key.sign(manifest)).decode(),
        }
    ).encode()


def manifest_bytes(**fields) -> bytes:
    document = {"format": FORMAT, "format_version": 1, "created_at": CREATED, "files": {}}
    document.update(fields)
    return json.dumps(document, sort_keys=True).encode()


def signed_pack(key, manifest: bytes, files: dict[str, bytes] | None = None) -> bytes:
    return zip_of(
        [(f"files/{digest}", data) for digest, data in (files or {}).items()]
        + [("manifest.json", manifest), ("signature.json", signature_for(key, manifest))]
    )


def refused(pack: bytes, key: Ed25519PrivateKey, code: str) -> PackError:
    with pytest.raises(PackError) as caught:
        PackReader(io.BytesIO(pack), [key.public_key()])
    assert caught.value.code == code, str(caught.value)
    return caught.value


def local_header(pack: bytes, info: zipfile.ZipInfo) -> tuple[bytes, int]:
    """The entry's local extra field and where its data starts in the archive."""
    fields = struct.unpack("<4s5H3L2H", pack[info.header_offset : info.header_offset + 30])
    name_length, extra_length = fields[-2], fields[-1]
    extra_start = info.header_offset + 30 + name_length
    return pack[extra_start : extra_start + extra_length], extra_start + extra_length


# --- writing and reading back -------------------------------------------------------------


def test_round_trip_keeps_fields_and_files(key, tmp_path):
    video, subtitle, empty = os.urandom(3 * MB + 17), "Xin chào".encode(), b""
    path = tmp_path / "course.pack"
    with PackWriter(path, key) as writer:
        digests = [
            writer.add_file(lambda: io.BytesIO(video)),
            writer.add_bytes(subtitle),
            writer.add_file(lambda: io.BytesIO(video)),
            writer.add_bytes(empty),
        ]
        written = writer.finish({**COURSE, "created_at": CREATED})
    assert digests == [sha(video), sha(subtitle), sha(video), sha(empty)]
    assert os.listdir(tmp_path) == ["course.pack"], "no temporary file is left beside it"

    with PackReader(path, [key.public_key()]) as reader:
        assert reader.manifest == written
        assert reader.manifest["course"] == COURSE["course"]
        assert reader.manifest["format"] == "langson-lms-pack"
        assert reader.manifest["format_version"] == FORMAT_VERSION == 1
        assert reader.manifest["created_at"] == CREATED
        assert reader.manifest["files"] == {
            sha(video): len(video),
            sha(subtitle): len(subtitle),
            sha(empty): 0,
        }
        assert reader.key_id == key_id(key.public_key())
        seen: list[tuple[int, int]] = []
        reader.verify_files(lambda done, total: seen.append((done, total)))
        assert seen[0] == (0, len(video) + len(subtitle)) and seen[-1] == (seen[0][1],) * 2
        for data in (video, subtitle, empty):
            assert reader.file_size(sha(data)) == len(data)
            with reader.open_file(sha(data)) as stream:
                assert stream.read() == data

    archive = zipfile.ZipFile(path)
    names = [info.filename for info in archive.infolist()]
    assert sorted(names) == sorted(
        ["manifest.json", "signature.json"] + [f"files/{d}" for d in {*digests}]
    ), "the duplicate is stored once"
    assert archive.getinfo("manifest.json").compress_type == zipfile.ZIP_DEFLATED
    assert archive.getinfo(f"files/{sha(video)}").compress_type == zipfile.ZIP_STORED
    raw_manifest = archive.read("manifest.json")
    assert raw_manifest == json.dumps(
        written, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert "Kỹ năng số".encode() in raw_manifest, "UTF-8, not \\u escapes"
    signature = json.loads(archive.read("signature.json"))
    assert signature["algorithm"] == "Ed25519"
    assert signature["key_id"] == sha(key.public_key().public_bytes_raw())[:16]
    key.public_key().verify(base64.b64decode(signature["signature"]), raw_manifest)


def test_created_at_defaults_to_now(key):
    with PackReader(io.BytesIO(write_pack(key, [])), [key.public_key()]) as reader:
        assert reader.manifest["created_at"].endswith("+00:00")
        assert reader.manifest["files"] == {}


def test_payload_entries_carry_zip64_headers(key, pack):
    archive = zipfile.ZipFile(io.BytesIO(pack))
    payload = [info for info in archive.infolist() if info.filename.startswith("files/")]
    assert len(payload) == 2
    for info in payload:
        extra, _ = local_header(pack, info)
        header_ids = []
        while extra:
            header_id, length = struct.unpack("<HH", extra[:4])
            header_ids.append(header_id)
            extra = extra[4 + length :]
        assert 0x0001 in header_ids, f"{info.filename} has no zip64 extra field"
        assert info.extract_version >= 45
    assert archive.testzip() is None
    with PackReader(io.BytesIO(pack), [key.public_key()]) as reader:
        reader.verify_files()


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")
def test_other_zip_tools_read_a_pack(pack, tmp_path):
    path = tmp_path / "course.pack"
    path.write_bytes(pack)
    result = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pack_written_to_a_stream_that_cannot_seek(key):
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.received = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.received += data
            return len(data)

    pipe = Pipe()
    with PackWriter(pipe, key) as writer:
        digest = writer.add_bytes(b"streamed to a client")
        writer.finish(COURSE)
    with PackReader(io.BytesIO(bytes(pipe.received)), [key.public_key()]) as reader:
        reader.verify_files()
        assert reader.open_file(digest).read() == b"streamed to a client"


def test_trusted_keys_as_a_mapping(key, other_key, pack):
    public = key.public_key()
    with PackReader(io.BytesIO(pack), {key_id(public): public}) as reader:
        assert reader.key_id == key_id(public)
    with pytest.raises(ValueError, match="has the id"):
        PackReader(io.BytesIO(pack), {key_id(other_key.public_key()): public})


# --- what the writer does with its sources ------------------------------------------------


def test_a_file_is_read_once_to_hash_and_once_to_store(key):
    opened: list[int] = []

    def source():
        opened.append(1)
        return io.BytesIO(b"lesson")

    with PackWriter(io.BytesIO(), key) as writer:
        writer.add_file(source)
        assert len(opened) == 2
        writer.add_file(source)
        assert len(opened) == 3, "read once more to learn it is already in the pack"
        writer.add_file(source, sha256=sha(b"lesson").upper())
        assert len(opened) == 3, "a known digest already in the pack is not opened"
        writer.finish({})


def test_a_file_that_changes_between_the_two_reads_is_refused(key, tmp_path):
    versions = iter([b"first version", b"second version"])
    path = tmp_path / "course.pack"
    with pytest.raises(PackError) as caught:
        with PackWriter(path, key) as writer:
            writer.add_file(lambda: io.BytesIO(next(versions)))
    assert caught.value.code == "source_changed"
    assert sha(b"first version") in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_a_wrong_declared_digest_or_size_is_refused(key):
    with PackWriter(io.BytesIO(), key) as writer:
        with pytest.raises(PackError) as caught:
            writer.add_file(lambda: io.BytesIO(b"actual"), sha256=sha(b"claimed"))
        assert caught.value.code == "source_changed"
        with pytest.raises(RuntimeError, match="incomplete"):
            writer.finish({})
        writer.close()
    with PackWriter(io.BytesIO(), key) as writer:
        with pytest.raises(PackError):
            writer.add_file(lambda: io.BytesIO(b"actual"), size=99)
        # Refused after hashing, before anything was stored: the pack is still good.
        writer.add_bytes(b"actual")
        writer.finish({})


def test_progress_counts_stored_bytes(key):
    reported: list[int] = []
    with PackWriter(io.BytesIO(), key, progress=reported.append) as writer:
        writer.add_bytes(b"a" * (2 * MB + 5))
        writer.add_bytes(b"b" * 10)
        writer.add_bytes(b"b" * 10)
        writer.finish({})
    assert reported == [MB, 2 * MB, 2 * MB + 5, 2 * MB + 15]


def test_the_writer_owns_format_version_and_files(key):
    with PackWriter(io.BytesIO(), key) as writer:
        for field in ("format", "format_version", "files"):
            with pytest.raises(ValueError, match=field):
                writer.finish({field: 2})
        assert writer.finish({"created_at": CREATED})["created_at"] == CREATED


class Interrupted(Exception):
    """Whatever stops an export half-way."""


def test_an_exception_in_the_block_leaves_no_file(key, tmp_path):
    path = tmp_path / "course.pack"
    with pytest.raises(Interrupted):
        with PackWriter(path, key) as writer:
            writer.add_bytes(os.urandom(MB))
            raise Interrupted
    assert os.listdir(tmp_path) == []


def test_a_failed_write_keeps_the_pack_already_there(key, tmp_path):
    path = tmp_path / "course.pack"
    path.write_bytes(b"the previous pack")
    with pytest.raises(Interrupted):
        with PackWriter(path, key) as writer:
            writer.add_bytes(b"new")
            raise Interrupted
    assert os.listdir(tmp_path) == ["course.pack"]
    assert path.read_bytes() == b"the previous pack"


def test_leaving_without_finish_discards_the_pack(key, tmp_path):
    path = tmp_path / "course.pack"
    with pytest.raises(RuntimeError, match="finish"):
        with PackWriter(path, key) as writer:
            writer.add_bytes(b"lesson")
    assert os.listdir(tmp_path) == []


# --- refused packs ------------------------------------------------------------------------


def rewritten(pack: bytes, change) -> bytes:
    """The pack's entries passed through ``change`` and zipped again (fresh CRCs)."""
    return zip_of(change(entries_of(pack)))


def test_a_changed_byte_in_a_file_fails_verification(key, pack):
    digest = sha(b"subtitle")

    def tamper(entries):
        return [(n, b"Subtitle" if n == f"files/{digest}" else d) for n, d in entries]

    tampered = rewritten(pack, tamper)
    with PackReader(io.BytesIO(tampered), [key.public_key()]) as reader:
        with pytest.raises(PackError) as caught:
            reader.verify_files()
        assert caught.value.code == "file_changed"
        assert str(caught.value) == f"Tệp {digest} trong gói bị thay đổi (mã kiểm tra không khớp)."
        with pytest.raises(PackError, match=digest), reader.open_file(digest) as stream:
            stream.read()
        with reader.open_file(sha(b"video bytes" * 1000)) as stream:
            assert stream.read() == b"video bytes" * 1000, "the other file is still good"


def test_a_flipped_byte_in_the_archive_fails_verification(key, pack):
    digest = sha(b"video bytes" * 1000)
    info = zipfile.ZipFile(io.BytesIO(pack)).getinfo(f"files/{digest}")
    _, data_start = local_header(pack, info)
    damaged = bytearray(pack)
    damaged[data_start + 500] ^= 0x01
    with PackReader(io.BytesIO(bytes(damaged)), [key.public_key()]) as reader:
        with pytest.raises(PackError) as caught:
            reader.verify_files()
    assert caught.value.code == "file_changed"
    assert digest in str(caught.value)


def test_a_removed_file_is_refused(key, pack):
    digest = sha(b"subtitle")
    error = refused(
        rewritten(pack, lambda entries: [e for e in entries if e[0] != f"files/{digest}"]),
        key,
        "missing_file",
    )
    assert str(error) == f"Thiếu tệp {digest} trong gói."


def test_an_unlisted_file_is_refused(key, pack):
    extra = sha(b"smuggled")
    error = refused(
        rewritten(pack, lambda entries: [*entries, (f"files/{extra}", b"smuggled")]),
        key,
        "unlisted_file",
    )
    assert str(error) == f"Gói có tệp không được khai báo: {extra}"


def test_a_file_of_another_size_than_listed_is_refused(key):
    digest = sha(b"twelve bytes")
    manifest = manifest_bytes(files={digest: 11})
    error = refused(signed_pack(key, manifest, {digest: b"twelve bytes"}), key, "size_mismatch")
    assert digest in str(error)


def test_a_manifest_edited_after_signing_is_refused(key, pack):
    def edit(entries):
        return [
            (n, d.replace("Kỹ năng số".encode(), "Kỹ năng sớ".encode()))
            if n == "manifest.json"
            else (n, d)
            for n, d in entries
        ]

    error = refused(rewritten(pack, edit), key, "bad_signature")
    assert str(error) == "Chữ ký không khớp: gói đã bị sửa hoặc do người khác ký."


def test_a_signature_by_another_key_under_a_trusted_id_is_refused(key, other_key):
    manifest = manifest_bytes()
    forged = zip_of(
        [
            ("manifest.json", manifest),
            ("signature.json", signature_for(other_key, manifest, as_key=key)),
        ]
    )
    refused(forged, key, "bad_signature")
    # The same pack, honestly signed, is accepted: the refusal is the signature's.
    PackReader(io.BytesIO(signed_pack(key, manifest)), [key.public_key()]).close()


def test_a_pack_signed_by_an_untrusted_key_is_refused(key, other_key):
    error = refused(write_pack(other_key, [b"x"]), key, "untrusted_key")
    untrusted_id = key_id(other_key.public_key())
    assert str(error) == f"Gói được ký bằng khóa không được tin cậy: {untrusted_id}"
    with pytest.raises(PackError, match=untrusted_id):
        PackReader(io.BytesIO(write_pack(other_key, [])), [])


@pytest.mark.parametrize(
    "signature",
    [
        b"",
        b"not json",
        b"[]",
        b'{"algorithm": "Ed25519", "key_id": "0123456789abcdef"}',
        b'{"algorithm": "RSA", "key_id": "0123456789abcdef", "signature": "AAAA"}',
        b'{"algorithm": "Ed25519", "key_id": "KEY", "signature": "AAAA"}',
        b'{"algorithm": "Ed25519", "key_id": "0123456789abcdef", "signature": "***"}',
        b'{"algorithm": "Ed25519", "key_id": "0123456789abcdef", "signature": "AAAA"}',
        b'{"algorithm": "Ed25519", "key_id": "0123456789abcdef", "signature": 1}',
    ],
    ids=[
        "empty",
        "not-json",
        "not-object",
        "no-signature",
        "other-algorithm",
        "bad-key-id",
        "not-base64",
        "too-short",
        "not-a-string",
    ],
)
def test_a_malformed_signature_file_is_refused(key, pack, signature):
    def replace(entries):
        return [(n, signature if n == "signature.json" else d) for n, d in entries]

    error = refused(rewritten(pack, replace), key, "bad_signature_file")
    assert str(error).startswith("Tệp chữ ký của gói không hợp lệ: ")


@pytest.mark.parametrize("name", ["signature.json", "manifest.json"])
def test_a_pack_without_signature_or_manifest_is_refused(key, pack, name):
    error = refused(
        rewritten(pack, lambda entries: [e for e in entries if e[0] != name]), key, "missing_file"
    )
    assert str(error) == f"Thiếu tệp {name} trong gói."


@pytest.mark.parametrize("content", [b"", b"PK", b"plain text, not an archive" * 100])
def test_a_file_that_is_not_a_zip_is_refused(key, content):
    error = refused(content, key, "damaged")
    assert str(error).startswith("Tệp không phải gói nội dung hoặc đã hỏng: ")


@pytest.mark.parametrize("cut", [1, 22, 300, 0.5])
def test_a_truncated_pack_is_refused(key, pack, cut):
    keep = int(len(pack) * cut) if isinstance(cut, float) else len(pack) - cut
    refused(pack[:keep], key, "damaged")


def test_a_missing_pack_file_is_not_mistaken_for_a_damaged_one(key, tmp_path):
    with pytest.raises(FileNotFoundError):
        PackReader(tmp_path / "absent.pack", [key.public_key()])


@pytest.mark.parametrize(
    "name",
    [
        "../evil.sh",
        "/etc/cron.d/evil",
        "files/../../evil",
        "files/" + "A" * 64,
        "files/" + "a" * 63,
        "files/",
        "files/sub/" + "a" * 64,
        "Manifest.json",
        "notes.txt",
    ],
)
def test_an_entry_with_an_unexpected_name_is_refused(key, pack, name):
    error = refused(rewritten(pack, lambda entries: [*entries, (name, b"x")]), key, "bad_entry")
    assert str(error) == f"Gói có mục không hợp lệ: {name}"


def test_a_name_hidden_behind_a_nul_byte_is_refused(key, pack):
    # The zip module cuts names at a NUL, so this entry would otherwise read as the manifest.
    sneaky = rewritten(pack, lambda entries: [*entries, ("manifest.jsonXevil", b"{}")])
    sneaky = sneaky.replace(b"manifest.jsonXevil", b"manifest.json\x00evil")
    error = refused(sneaky, key, "bad_entry")
    assert "manifest.json\\x00evil" in str(error)


def test_a_symlink_entry_is_refused(key, pack):
    digest = sha(b"subtitle")

    def as_symlink(entries):
        changed: list[tuple[str | zipfile.ZipInfo, bytes]] = []
        for name, data in entries:
            if name == f"files/{digest}":
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                changed.append((info, data))
            else:
                changed.append((name, data))
        return changed

    error = refused(rewritten(pack, as_symlink), key, "not_regular_file")
    assert digest in str(error)


def test_a_repeated_entry_is_refused(key, pack):
    digest = sha(b"subtitle")
    error = refused(
        rewritten(pack, lambda entries: [*entries, (f"files/{digest}", b"other")]),
        key,
        "duplicate_entry",
    )
    assert digest in str(error)


def test_a_newer_format_version_is_refused_saying_which_is_read(key):
    error = refused(signed_pack(key, manifest_bytes(format_version=2)), key, "unsupported_version")
    assert str(error) == "Gói dùng định dạng phiên bản 2; hệ thống này đọc đến phiên bản 1."


@pytest.mark.parametrize(
    "manifest",
    [
        manifest_bytes()[:-1] + b',"score":NaN}',
        manifest_bytes()[:-1] + b',"score":-Infinity}',
        manifest_bytes()[:-1] + b',"format_version":1}',
        manifest_bytes()[:-1] + b',"course":{"a":1,"a":2}}',
        manifest_bytes(format_version="1"),
        manifest_bytes(format_version=True),
        manifest_bytes(created_at="yesterday"),
        manifest_bytes(files={"not-a-digest": 1}),
        manifest_bytes(files={sha(b""): -1}),
        manifest_bytes(files=[]),
        b"[]",
        "{}".encode("utf-16"),
    ],
    ids=[
        "nan",
        "infinity",
        "duplicate-key",
        "nested-duplicate-key",
        "version-as-text",
        "version-as-bool",
        "bad-created-at",
        "bad-digest",
        "negative-size",
        "files-not-object",
        "not-object",
        "not-utf8",
    ],
)
def test_a_malformed_manifest_is_refused_even_when_signed(key, manifest):
    error = refused(signed_pack(key, manifest), key, "bad_manifest")
    assert str(error).startswith("Tệp kê khai của gói không hợp lệ: ")


def test_another_format_is_refused(key):
    refused(signed_pack(key, manifest_bytes(format="scorm")), key, "wrong_format")


def test_nesting_is_accepted_to_200_levels_and_no_deeper(key):
    def nested(levels: int) -> bytes:
        # The manifest object itself is the first level.
        return (
            manifest_bytes()[:-1] + b',"tree":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"
        )

    PackReader(io.BytesIO(signed_pack(key, nested(200))), [key.public_key()]).close()
    for levels in (201, 100_000):
        error = refused(signed_pack(key, nested(levels)), key, "bad_manifest")
        assert "lồng nhau" in str(error)


def test_an_oversized_manifest_is_refused_before_it_is_read(key):
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("manifest.json", "w", force_zip64=True) as entry:
            for _ in range(65):
                entry.write(b" " * MB)
        archive.writestr("signature.json", b"{}")
    refused(target.getvalue(), key, "manifest_too_large")


def test_the_writer_will_not_write_what_no_reader_accepts(key):
    with PackWriter(io.BytesIO(), key) as writer:
        with pytest.raises(ValueError):
            writer.finish({"score": float("nan")})
        with pytest.raises(PackError) as caught:
            writer.finish({"created_at": "last week"})
        assert caught.value.code == "bad_manifest"
        writer.finish({})


# --- keys ---------------------------------------------------------------------------------


def test_generated_keys_load_and_match():
    private_pem, public_text = generate_key_pair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_text.startswith("ed25519:")
    raw = base64.b64decode(public_text.removeprefix("ed25519:"), validate=True)
    assert len(raw) == 32

    private_key = load_private_key(private_pem)
    public_key = load_public_key(public_text)
    public_key.verify(private_key.sign(b"manifest"), b"manifest")
    assert key_id(public_key) == hashlib.sha256(raw).hexdigest()[:16]
    assert public_key_text(public_key) == public_text
    assert load_private_key(private_pem.encode()).public_key() == public_key

    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    assert key_id(load_public_key(pem)) == key_id(public_key)
    assert generate_key_pair()[1] != public_text


def _ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ed25519:",
        "ed25519:not base64!",
        "ed25519:" + base64.b64encode(b"x" * 31).decode(),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        _ec_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    ],
    ids=["empty", "prefix-only", "not-base64", "31-bytes", "ssh", "bad-pem", "ec-key"],
)
def test_a_malformed_public_key_is_refused(text):
    with pytest.raises(PackError) as caught:
        load_public_key(text)
    assert caught.value.code == "bad_public_key"
    assert str(caught.value).startswith("Khóa công khai không hợp lệ: ")


def test_a_public_key_of_the_wrong_length_says_so():
    with pytest.raises(PackError, match="32 byte, không phải 31"):
        load_public_key("ed25519:" + base64.b64encode(b"x" * 31).decode())


@pytest.mark.parametrize(
    "pem",
    [
        "not a key",
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"mat-khau"),
        )
        .decode(),
        _ec_key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode(),
    ],
    ids=["garbage", "encrypted", "ec-key"],
)
def test_a_malformed_private_key_is_refused(pem):
    with pytest.raises(PackError) as caught:
        load_private_key(pem)
    assert caught.value.code == "bad_private_key"


# --- memory -------------------------------------------------------------------------------

BIG = 300 * MB


def generated_chunks() -> Iterator[bytes]:
    # Different bytes in every chunk (nothing a compressor or a cache could shortcut), the
    # same on every pass.
    for index in range(BIG // MB):
        yield hashlib.shake_256(index.to_bytes(4, "big")).digest(MB)


class GeneratedStream(io.RawIOBase):
    """A file made up as it is read: no more than one chunk of it exists at a time."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks = generated_chunks()
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = memoryview(next(self._chunks, b""))
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def test_memory_stays_flat_for_a_300_mb_file(key, tmp_path):
    expected = hashlib.sha256()
    for chunk in generated_chunks():
        expected.update(chunk)
    path = tmp_path / "big.pack"

    tracemalloc.start()
    try:
        with PackWriter(path, key) as writer:
            digest = writer.add_file(GeneratedStream)
            writer.finish(COURSE)
        write_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        with PackReader(path, [key.public_key()]) as reader:
            reader.verify_files()
        verify_peak = tracemalloc.get_traced_memory()[1]
        assert path.stat().st_size > BIG
    finally:
        tracemalloc.stop()
        # pytest keeps the last runs' temporary folders; 300 MB each is too much to keep.
        path.unlink(missing_ok=True)

    assert digest == expected.hexdigest()
    assert write_peak < 20 * MB, f"writing peaked at {write_peak / MB:.1f} MiB"
    assert verify_peak < 20 * MB, f"verifying peaked at {verify_peak / MB:.1f} MiB"
