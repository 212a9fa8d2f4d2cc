"""The key that vouches for what a grader wrote, and the signatures made with it.

A grader signs every result it writes; whatever reads OUT later (a rerun, `merge`) trusts only
what verifies. By default the key is OUT/.grader-key, which vouches for a run to itself. Parts
of a sharded class are signed with a course key kept outside every part (`key FILE`, then
`grade --key FILE` and `merge --key FILE`): a part cannot vouch for itself.
"""
import hashlib
import hmac
import json
import os
from pathlib import Path

from .files import atomic_write

KEY_BYTES = 32


class KeyFileError(RuntimeError):
    """The key file cannot be created or read; the message names it."""


def create_key(path):
    """Create a key at `path` (mode 0600) unless one is there; safe when many graders start at
    once: the key is written to a private file and linked into place, so nobody reads half a key."""
    path = Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(os.urandom(KEY_BYTES))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path


def read_key(path):
    try:
        key = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"there is no key {path}: make it once with `python -m autograder key "
                           f"{path}`") from None
    except OSError as problem:
        raise KeyFileError(f"cannot read the key {path}: {problem.strerror}") from None
    if len(key) < KEY_BYTES:
        raise KeyFileError(f"{path} is not a key made by `python -m autograder key` "
                        f"({len(key)} bytes, {KEY_BYTES} expected)")
    return key


class Signer:
    """Signs and verifies JSON payloads with the key in `key_path` (created on first use)."""

    def __init__(self, key_path, create=True):
        self.key_path = Path(key_path)
        self.create = create
        self._key = None

    def key(self):
        if self._key is None:
            if self.create:
                create_key(self.key_path)
            self._key = read_key(self.key_path)
        return self._key

    def sign(self, payload):
        text = json.dumps(payload, sort_keys=True)
        return hmac.new(self.key(), text.encode(), hashlib.sha256).hexdigest()

    def signed(self, payload):
        return {**payload, "mac": self.sign(payload)}

    def verified(self, saved):
        """The payload of a signed JSON object, or None when its signature does not match."""
        if not isinstance(saved, dict) or not isinstance(saved.get("mac"), str) or not saved["mac"].isascii():
            return None
        payload = {k: v for k, v in saved.items() if k != "mac"}
        return payload if hmac.compare_digest(saved["mac"], self.sign(payload)) else None

    def read_verified(self, path):
        """The payload of the signed JSON file at `path`; None when it cannot be read, is not
        JSON, or its signature does not match."""
        try:
            return self.verified(json.loads(Path(path).read_text()))
        except (OSError, ValueError):
            return None

    def write_signed(self, path, payload):
        """Write `payload` to `path`, signed, whole (atomic_write)."""
        atomic_write(path, json.dumps(self.signed(payload), indent=1))
