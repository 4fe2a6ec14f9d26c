"""Interactive packages (H5P, SCORM) and course packs: upload limits, where package
files are served from, and the keys packs are signed and checked with."""

import os

# Interactive packages (H5P, SCORM): limits on an upload, checked before anything is
# stored. Their files live in the media storage under "packages/".
PACKAGE_MAX_BYTES = int(os.environ.get("PACKAGE_MAX_BYTES", 300 * 1024 * 1024))
PACKAGE_MAX_FILE_BYTES = int(os.environ.get("PACKAGE_MAX_FILE_BYTES", 200 * 1024 * 1024))
PACKAGE_MAX_EXTRACTED_BYTES = int(os.environ.get("PACKAGE_MAX_EXTRACTED_BYTES", 600 * 1024 * 1024))
PACKAGE_MAX_FILES = int(os.environ.get("PACKAGE_MAX_FILES", 10_000))
# Package files go out on this origin (scheme://host[:port]) when set: a host of their
# own, whose cookies and storage are not the LMS's. Either way they play in a sandboxed
# frame with an opaque origin, and only through an address that names the learner.
CONTENT_ORIGIN = os.environ.get("CONTENT_ORIGIN", "").rstrip("/")
# How long a package address handed to a learner's page stays valid.
CONTENT_TOKEN_SECONDS = int(os.environ.get("CONTENT_TOKEN_SECONDS", 12 * 3600))
# Course packs: this installation's signing key (made on first use; PRIVATE_ROOT's
# pack-signing-key.pem when empty) and other installations' public keys whose packs are
# accepted, besides those admins trust in the admin ("ed25519:…", comma-separated).
CONTENT_PACK_SIGNING_KEY_FILE = os.environ.get("CONTENT_PACK_SIGNING_KEY_FILE", "")
CONTENT_PACK_TRUSTED_KEYS = [
    key.strip() for key in os.environ.get("CONTENT_PACK_TRUSTED_KEYS", "").split(",") if key.strip()
]
