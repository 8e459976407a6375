"""Secret keys for the keyed techniques: from a key file or the environment, never the policy.

A policy names a key (`key: main`); the material comes from

- a key file (`--key-file PATH`): lines `NAME=VALUE`, `#` comments; a file with a single bare
  VALUE defines the key `default`; or
- the environment: `FINCLOUD_DEID_KEY_<NAME>` (upper case, `-` as `_`), and
  `FINCLOUD_DEID_KEY` for `default`.

VALUE is hex (64 or more hex digits) or `base64:...`; at least 32 bytes (256 bits). Each
technique derives its own subkey with HKDF-SHA-256 (`info` names the purpose), so one key can
serve pseudonyms, encryption and keyed randomness without the uses being related. A run
records each key's fingerprint (an HMAC of a fixed label), never the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fincloud.deid.errors import KeyMaterialError

MIN_KEY_BYTES = 32
ENV_DEFAULT = "FINCLOUD_DEID_KEY"
ENV_PREFIX = "FINCLOUD_DEID_KEY_"
KEY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_INFO_PREFIX = b"fincloud-deid/v1/"


def env_name(name: str) -> str:
    return ENV_DEFAULT if name == "default" else ENV_PREFIX + name.upper().replace("-", "_")


def parse_key_value(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        if text.startswith("base64:"):
            raw = base64.b64decode(text[len("base64:") :], validate=True)
        else:
            raw = bytes.fromhex(text)
    except (ValueError, binascii.Error) as exc:
        raise KeyMaterialError(f"{where}: the key is neither hex nor base64:...") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise KeyMaterialError(
            f"{where}: the key has {len(raw)} bytes; at least {MIN_KEY_BYTES} (256 bits) needed"
        )
    return raw


def read_key_file(path: Path) -> dict[str, bytes]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyMaterialError(f"--key-file {path}: {exc.strerror or exc}") from exc
    keys: dict[str, bytes] = {}
    lines = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), 1)]
    lines = [(n, ln) for n, ln in lines if ln and not ln.startswith("#")]
    if len(lines) == 1 and "=" not in lines[0][1].replace("base64:", "").rstrip("="):
        keys["default"] = parse_key_value(lines[0][1], f"{path} line {lines[0][0]}")
        return keys
    for number, line in lines:
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not KEY_NAME.fullmatch(name):
            raise KeyMaterialError(f"{path} line {number}: expected NAME=VALUE")
        keys[name] = parse_key_value(value, f"{path} line {number} ({name})")
    return keys


def generate_key() -> str:
    """A fresh 256-bit key as hex, for `fincloud deid keygen`."""
    return secrets.token_hex(MIN_KEY_BYTES)


def derive(key: bytes, purpose: str, length: int = 32) -> bytes:
    """A subkey for one purpose (`hmac`, `aes-siv`, `mapping`, `random/<column>` ...)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=_INFO_PREFIX + purpose.encode()
    ).derive(key)


def fingerprint(key: bytes) -> str:
    return hmac.new(key, _INFO_PREFIX + b"fingerprint", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    """The keys a run may use, by name. `get` raises a message naming the key and where the
    material could come from."""

    keys: Mapping[str, bytes] = field(default_factory=dict)
    origin: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls, key_file: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> KeyRing:
        env = os.environ if environ is None else environ
        keys: dict[str, bytes] = {}
        origin: dict[str, str] = {}
        for var, value in env.items():
            if var == ENV_DEFAULT:
                keys["default"] = parse_key_value(value, f"environment variable {var}")
                origin["default"] = f"environment {var}"
            elif var.startswith(ENV_PREFIX) and value:
                name = var[len(ENV_PREFIX) :].lower()
                keys[name] = parse_key_value(value, f"environment variable {var}")
                origin[name] = f"environment {var}"
        if key_file is not None:
            for file_name, material in read_key_file(key_file).items():
                keys[file_name.lower()] = material
                origin[file_name.lower()] = f"key file {key_file}"
        return cls(keys, origin)

    def get(self, name: str, needed_by: str) -> bytes:
        key = self.keys.get(name.lower())
        if key is None:
            raise KeyMaterialError(
                f"{needed_by} needs the key {name!r}: none was given; pass --key-file with a "
                f"line '{name}=<64 hex digits>' or set the environment variable {env_name(name)} "
                "(make one with `fincloud deid keygen`)"
            )
        return key

    def fingerprints(self, names: set[str]) -> dict[str, str]:
        return {
            n: fingerprint(self.keys[n.lower()]) for n in sorted(names) if n.lower() in self.keys
        }
