"""This installation's pack-signing key, and the keys whose packs it accepts.

The signing key is made on first use and kept in a file only this installation reads
(CONTENT_PACK_SIGNING_KEY_FILE). Packs are accepted when signed by this installation's
own key, a key an admin trusted in the admin (``TrustedPackKey``), or one listed in
CONTENT_PACK_TRUSTED_KEYS.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from ..models import TrustedPackKey
from ..packfile import generate_key_pair, key_id, load_private_key, load_public_key, public_key_text


def signing_key_path() -> Path:
    configured = getattr(settings, "CONTENT_PACK_SIGNING_KEY_FILE", "")
    return Path(configured) if configured else Path(settings.PRIVATE_ROOT) / "pack-signing-key.pem"


def signing_key() -> Ed25519PrivateKey:
    path = signing_key_path()
    if not path.exists():
        private_pem, _public = generate_key_pair()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by this user only, before the key is written into it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(private_pem)
    return load_private_key(path.read_bytes())


def own_public_key() -> str:
    return public_key_text(signing_key().public_key())


def trusted_keys() -> list[Ed25519PublicKey]:
    keys = [signing_key().public_key()]
    keys += [load_public_key(row.public_key) for row in TrustedPackKey.objects.all()]
    keys += [load_public_key(text) for text in settings.CONTENT_PACK_TRUSTED_KEYS]
    unique = {key_id(key): key for key in keys}
    return list(unique.values())
