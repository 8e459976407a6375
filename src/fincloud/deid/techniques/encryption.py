"""Cryptographic tools (密碼式工具): deterministic encryption and order-preserving tokens.

`encrypt` uses AES-SIV (RFC 5297, `cryptography`'s AESSIV with a 512-bit derived key): the same
value gives the same ciphertext under the same key and context, so equality and joins still
work, and only the key holder can decrypt. The manual says cryptographic tools make the data
impossible to restore without the key; the flip side is that the key holder *can* restore it,
so a policy must say `reversible_by_key_holder: true` to use it, and the run record lists the
column as reversible. Tokens are `prefix` + URL-safe base64 of the SIV and ciphertext.

`order_preserving` gives integers whose order is the order of the values (numbers, or dates
as days): see `fincloud.deid.techniques.ope`.
"""

from __future__ import annotations

import base64
from typing import Literal

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import Field, model_validator

from fincloud.deid import keys as keymod
from fincloud.deid.errors import KeyMaterialError
from fincloud.deid.techniques.base import ColumnTechnique, RunContext, as_text


def _siv(key: bytes) -> AESSIV:
    return AESSIV(keymod.derive(key, "aes-siv", 64))


class Encrypt(ColumnTechnique):
    technique: Literal["encrypt"]
    key: str = "default"
    context: str = Field("", max_length=64)
    prefix: str = Field("", max_length=16)
    reversible_by_key_holder: bool = False

    @model_validator(mode="after")
    def _acknowledged(self) -> Encrypt:
        if not self.reversible_by_key_holder:
            raise ValueError(
                "deterministic encryption can be reversed by whoever holds the key; "
                "say so with reversible_by_key_holder: true (or use pseudonymise)"
            )
        return self

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        siv = _siv(ctx.key(self.key, f"column {column!r} (encrypt)"))
        ad = [self.context.encode()] if self.context else None
        values = as_text(frame, column)
        unique = values.drop_nulls().unique()
        encrypt = siv.encrypt
        sealed = pl.Series(
            [encrypt(v, ad) for v in unique.cast(pl.Binary).to_list()], dtype=pl.Binary
        )
        enc = self.prefix + (
            sealed.bin.encode("base64")
            .str.replace_all("+", "-", literal=True)
            .str.replace_all("/", "_", literal=True)
            .str.strip_chars_end("=")
        )
        return values.replace_strict(unique, enc, default=None, return_dtype=pl.String)


def decrypt_values(
    values: list[str | None], key: bytes, context: str = "", prefix: str = ""
) -> list[str | None]:
    """For the key holder: the original values of an encrypted column."""
    siv = _siv(key)
    out: list[str | None] = []
    for token in values:
        if token is None:
            out.append(None)
            continue
        body = token[len(prefix) :]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            out.append(siv.decrypt(raw, [context.encode()] if context else None).decode())
        except InvalidTag as exc:
            raise KeyMaterialError(
                "decrypt: wrong key or context, or the token was altered"
            ) from exc
    return out
