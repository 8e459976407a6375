"""Fast keyed pseudo-random numbers for whole columns: AES-256 as a pseudo-random function.

`prf_uint64(key, tag, counters)` encrypts the 16-byte blocks (tag, counter) with AES-256 in one
call (ECB over independent blocks is exactly a PRF evaluation per block, not a way of
encrypting data) and returns the first 8 bytes of each as an unsigned 64-bit integer. Randomness
that depends only on the key, a tag and the row number is the same however the file is split
into batches, and cannot be reproduced without the key: a seed printed in a policy would let
anyone who reads the policy subtract the noise again.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]


def prf_uint64(key: bytes, tag: int | U64, counters: npt.ArrayLike) -> U64:
    ctr = np.ascontiguousarray(np.asarray(counters, dtype=np.uint64))
    blocks = np.empty((ctr.shape[0], 2), dtype="<u8")
    blocks[:, 0] = tag
    blocks[:, 1] = ctr
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - used as a PRF, see above
    out = encryptor.update(blocks.tobytes()) + encryptor.finalize()
    return np.frombuffer(out, dtype="<u8").reshape(-1, 2)[:, 0].astype(np.uint64)


def uniform_open(key: bytes, tag: int, counters: npt.ArrayLike) -> F64:
    """Uniform numbers in the open interval (0, 1), 53 bits each."""
    bits = prf_uint64(key, tag, counters) >> np.uint64(11)
    return (bits.astype(np.float64) + 0.5) * 2.0**-53


def laplace(key: bytes, tag: int, counters: npt.ArrayLike, scale: float) -> F64:
    u = uniform_open(key, tag, counters) - 0.5
    return -scale * np.sign(u) * np.log1p(-2.0 * np.abs(u))


def gaussian(key: bytes, tag: int, counters: npt.ArrayLike, sigma: float) -> F64:
    # Box-Muller with two independent streams (tags 2t and 2t+1).
    u1 = uniform_open(key, 2 * tag, counters)
    u2 = uniform_open(key, 2 * tag + 1, counters)
    return sigma * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
