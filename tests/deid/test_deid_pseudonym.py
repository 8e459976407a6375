"""Pseudonymisation: keyed HMAC-SHA-256 tokens, and why never an unkeyed hash of an ID.

The issue asks for the demonstration: an unkeyed SHA-256 of a Taiwanese national ID is
reversed by trying IDs until one hashes the same, because the space is small: 26 letters x 2
gender digits x 10^7 serials (the check digit follows from the rest) = 5.2 x 10^8 IDs. An
attacker who knows where and of which sex the person was first registered (the letter and the
gender digit) has 10^7 candidates left. The test searches that block in pure single-core
Python (a few seconds), recovers the ID and from the measured rate bounds the whole space (a
few minutes); GPU hash crackers try billions of SHA-256 a second. The keyed token resists
the same search: without the 256-bit key no candidate's hash, keyed or not, matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fincloud.deid import keys as keymod
from fincloud.deid.engine import apply_policy, apply_to_frame
from fincloud.deid.errors import KeyMaterialError
from fincloud.deid.keys import KeyRing
from fincloud.deid.policy import parse_policy
from fincloud.deid.techniques.pseudonymisation import read_mapping
from fincloud.identifiers import is_valid_national_id, tw_id

KEY = bytes(range(32))


def policy(**step: object) -> object:
    return parse_policy(
        {
            "fincloud_deid_policy": 1,
            "name": "pseudonyms",
            "purpose": "analytics",
            "other_columns": "keep",
            "columns": {"id_number": {"technique": "pseudonymise", "key": "main", **step}},
        }
    )


def tokens_of(ids: list[str], key: bytes = KEY, **step: object) -> list[str]:
    frame = pl.DataFrame({"id_number": ids})
    result = apply_to_frame(frame, policy(**step), keyring=KeyRing({"main": key}))  # type: ignore[arg-type]
    return result.frame["id_number"].to_list()


def candidates(letter: str, gender: str, first_serial_digit: int) -> list[bytes]:
    """Every valid national ID of one letter, gender digit and first serial digit (10^6)."""
    serial = first_serial_digit * 10**6 + np.arange(10**6, dtype=np.int64)
    code = tw_id.LETTER_CODES[letter]
    total = code // 10 + (code % 10) * 9 + int(gender) * 8
    partial = np.full(serial.shape, total, dtype=np.int64)
    for position, weight in enumerate((7, 6, 5, 4, 3, 2, 1)):
        partial += ((serial // 10 ** (6 - position)) % 10) * weight
    check = (10 - partial % 10) % 10
    numbers = serial * 10 + check  # 8 digits: serial and check digit
    digits = np.stack([(numbers // 10 ** (7 - i)) % 10 for i in range(8)], axis=1) + ord("0")
    block = digits.astype(np.uint8).tobytes()
    head = (letter + gender).encode()
    return [head + block[i : i + 8] for i in range(0, len(block), 8)]


def test_unkeyed_sha256_of_a_national_id_is_reversed_by_enumeration() -> None:
    serial = secrets.randbelow(10**7)
    head = f"F2{serial:07d}"  # registered first in New Taipei (F), female (2)
    target = head + tw_id.check_digit(head)
    assert is_valid_national_id(target)
    leaked = hashlib.sha256(target.encode()).digest()  # what an unkeyed "pseudonym" publishes

    started = time.perf_counter()
    tried = 0
    found = b""
    for tenth in range(10):  # the whole F2 block, a million candidates at a time
        for candidate in candidates("F", "2", tenth):
            tried += 1
            if hashlib.sha256(candidate).digest() == leaked:
                found = candidate
                break
        if found:
            break
    elapsed = time.perf_counter() - started
    assert found.decode() == target

    rate = tried / max(elapsed, 1e-9)
    whole_space = 26 * 2 * 10**7 / rate
    print(
        f"\nreversed {target[:3]}******* after {tried:,} tries in {elapsed:.1f} s "
        f"({rate:,.0f} SHA-256/s, one core); every national ID: {whole_space / 60:.1f} min"
    )
    assert elapsed < 60  # the known letter and gender digit: seconds, not years
    assert whole_space < 2 * 3600


def test_the_keyed_token_resists_the_same_enumeration() -> None:
    serial = secrets.randbelow(10**7)
    head = f"F2{serial:07d}"
    target = head + tw_id.check_digit(head)
    (token,) = tokens_of([target], length=64)
    pool = candidates("F", "2", serial // 10**6)  # the attacker even knows the right tenth
    # Best guesses without the key: the plain hash, and HMAC under keys the attacker can try.
    guesses = [b"", b"fincloud", secrets.token_bytes(32)]
    for candidate in pool:
        assert hashlib.sha256(candidate).hexdigest() != token
    for guess in guesses:
        mac = keymod.derive(guess.ljust(32, b"\0"), "hmac")
        assert all(hmac.digest(mac, b"\x1f" + c, "sha256").hex() != token for c in pool[:100_000])
    # With the key the token is reproduced: the key, not the ID space, carries the secret.
    assert tokens_of([target], length=64) == [token]


def test_tokens_are_hmac_sha256_under_a_derived_key() -> None:
    (token,) = tokens_of(["A123456789"], prefix="P-", length=20)
    subkey = keymod.derive(KEY, "hmac")
    expected = hmac.new(subkey, b"\x1fA123456789", hashlib.sha256).hexdigest()[:20]
    assert token == "P-" + expected


def test_tokens_are_consistent_across_files_and_runs_for_the_same_key(tmp_path: Path) -> None:
    ring = KeyRing({"main": KEY})
    first = pl.DataFrame({"id_number": ["A123456789", "F131104093", "O158238845"]})
    second = pl.DataFrame({"id_number": ["O158238845", "N116247806", "A123456789"]})
    first.write_csv(tmp_path / "a.csv")
    second.write_csv(tmp_path / "b.csv")
    apply_policy(tmp_path / "a.csv", policy(), tmp_path / "a.out.csv", keyring=ring)  # type: ignore[arg-type]
    apply_policy(tmp_path / "b.csv", policy(), tmp_path / "b.out.csv", keyring=ring)  # type: ignore[arg-type]
    a = pl.read_csv(tmp_path / "a.out.csv")["id_number"].to_list()
    b = pl.read_csv(tmp_path / "b.out.csv")["id_number"].to_list()
    assert a[0] == b[2] and a[2] == b[0]
    assert len(set(a) | set(b)) == 4
    assert tokens_of(["A123456789"], key=bytes(32)) != [a[0]]
    assert tokens_of(["A123456789"], context="campaign-2025") != [a[0]]


def test_normalisation_before_hashing() -> None:
    upper = tokens_of([" a123456789 ", "A123456789"], normalise="upper")
    assert upper[0] == upper[1]
    none = tokens_of([" a123456789 ", "A123456789"], normalise="none")
    assert none[0] != none[1]


def test_the_mapping_table_is_stored_apart_and_encrypted(tmp_path: Path) -> None:
    ids = ["A123456789", "F131104093", "A123456789", None]
    pl.DataFrame({"id_number": ids}).write_csv(tmp_path / "in.csv")
    summary = apply_policy(
        tmp_path / "in.csv",
        policy(mapping=True),  # type: ignore[arg-type]
        tmp_path / "out.csv",
        keyring=KeyRing({"main": KEY}),
    )
    mapping_path = Path(summary.side_files["mapping"])
    assert mapping_path == tmp_path / "out.mapping.enc"
    raw = mapping_path.read_bytes()
    assert b"A123456789" not in raw and b"F131104093" not in raw
    assert mapping_path.stat().st_mode & 0o077 == 0
    table = read_mapping(mapping_path, KEY)
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)["id_number"].to_list()
    lookup = dict(zip(table["token"], table["value"], strict=True))
    assert [lookup.get(t) if t else None for t in out] == ids
    with pytest.raises(KeyMaterialError, match="wrong key"):
        read_mapping(mapping_path, bytes(32))
