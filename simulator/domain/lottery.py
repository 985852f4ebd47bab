"""The red-packet lottery: a seeded, documented, reproducible draw of winners from an applicant list.

Applicants are numbered 0..n-1 (1,913,847 of them in Luohu 2020; they need not be chain accounts). The
draw is a partial Fisher–Yates shuffle driven by SHA-256 in counter mode, so anyone can re-run it from the
seed alone, in any language:

    for i in 0..k-1:
        j = i + uniform(n - i)            # uniform: next 8 bytes of SHA-256(seed ‖ counter), rejection-sampled
        swap(position i, position j)      # over a virtual array 0..n-1, only touched entries stored
    winners = positions 0..k-1

``applicants_hash`` commits to the list: SHA-256 over the applicant numbers as 8-byte big-endian integers.
"""

from __future__ import annotations

import hashlib


class _Stream:
    """Uniform integers from SHA-256(seed ‖ counter) blocks."""

    def __init__(self, seed: int | str):
        self._seed = f"ecny-sim lottery|{seed}".encode()
        self._counter = 0
        self._buffer = b""

    def _next64(self) -> int:
        if len(self._buffer) < 8:
            self._buffer += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        value, self._buffer = int.from_bytes(self._buffer[:8], "big"), self._buffer[8:]
        return value

    def below(self, bound: int) -> int:
        """Uniform in [0, bound) by rejection: no modulo bias."""
        limit = (1 << 64) - (1 << 64) % bound
        while True:
            value = self._next64()
            if value < limit:
                return value % bound


def draw(applicants: int, winners: int, seed: int | str) -> list[int]:
    """Numbers of ``winners`` distinct applicants out of ``applicants``, in draw order."""
    if not 0 <= winners <= applicants:
        raise ValueError(f"cannot draw {winners} winners from {applicants} applicants")
    stream = _Stream(seed)
    swapped: dict[int, int] = {}
    picked = []
    for i in range(winners):
        j = i + stream.below(applicants - i)
        picked.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return picked


def applicants_hash(applicants: int) -> bytes:
    """SHA-256 over applicant numbers 0..n-1, 8-byte big-endian each."""
    h = hashlib.sha256()
    chunk = 1 << 16
    for start in range(0, applicants, chunk):
        h.update(b"".join(i.to_bytes(8, "big") for i in range(start, min(start + chunk, applicants))))
    return h.digest()
