"""Ed25519 keys for signing packs, and their text forms.

A private key is kept as PKCS#8 PEM. A public key is shared as ``ed25519:<base64>`` (the
raw 32 bytes), short enough to paste into a settings screen or read out over the phone;
PEM is accepted too. A key's id is the first 16 hex digits of the SHA-256 of its raw
bytes: it tells the reader which trusted key to check a pack against.
"""

import base64
import binascii
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.utils.translation import gettext as _

from .format import PackError

PUBLIC_KEY_PREFIX = "ed25519:"
_RAW_KEY_BYTES = 32


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The ``ed25519:<base64>`` form that load_public_key reads back."""
    return PUBLIC_KEY_PREFIX + base64.b64encode(_raw(public_key)).decode("ascii")


def generate_key_pair() -> tuple[str, str]:
    """A new key pair: (private key as unencrypted PKCS#8 PEM, public key text)."""
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return pem, public_key_text(private_key.public_key())


def _private_key_error(detail: str) -> PackError:
    return PackError(
        _("Khóa bí mật không hợp lệ: %(detail)s") % {"detail": detail}, code="bad_private_key"
    )


def _public_key_error(detail: str) -> PackError:
    return PackError(
        _("Khóa công khai không hợp lệ: %(detail)s") % {"detail": detail}, code="bad_public_key"
    )


def load_private_key(pem: str | bytes) -> Ed25519PrivateKey:
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        # cryptography's way of saying the key is encrypted and needs a password.
        raise _private_key_error(_("khóa được mã hóa bằng mật khẩu")) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise _private_key_error(_("không đọc được khóa PEM")) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise _private_key_error(_("không phải khóa Ed25519"))
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from ``ed25519:<base64>`` or PEM."""
    text = text.strip()
    if text[: len(PUBLIC_KEY_PREFIX)].lower() == PUBLIC_KEY_PREFIX:
        try:
            raw = base64.b64decode(text[len(PUBLIC_KEY_PREFIX) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _public_key_error(_("phần sau “ed25519:” không phải base64")) from exc
        if len(raw) != _RAW_KEY_BYTES:
            raise _public_key_error(
                _("khóa phải dài %(size)s byte, không phải %(actual)s")
                % {"size": _RAW_KEY_BYTES, "actual": len(raw)}
            )
        try:
            return Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise _public_key_error(_("không phải khóa Ed25519")) from exc
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("utf-8"))
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise _public_key_error(_("không đọc được khóa PEM")) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise _public_key_error(_("không phải khóa Ed25519"))
        return key
    raise _public_key_error(_("phải có dạng “ed25519:…” hoặc PEM"))
