"""zstd frames of archived bodies: each on its own, or against a base body as a raw-content
dictionary (tracker/store/archive.py decides which, and chains them)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zstandard

PLAIN = "zstd"  # a zstd frame of its own
AGAINST_BASE = "zstd-dict"  # a zstd frame compressed with the base payload's body as dictionary
# zstd's level for both kinds of frame: a body is small, and against its base most of it is
# one long match, so higher levels buy little (python -m bench archive).
LEVEL = 3


def sha256(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


# zstandard is imported in the functions that use it (about 10 ms, and `top --json` reads only
# digests) by a plain import statement, not `runtime.lazy_module`: the writer compresses on two
# threads, and Python 3.11's LazyLoader is not thread-safe (CPython gh-114763: a second thread
# can see the module half-executed and fail with AttributeError).


def compress(body: bytes, base: bytes | None = None) -> bytes:
    """A zstd frame of `body`, against `base` as a raw-content dictionary when given."""
    import zstandard

    if base is None:
        return zstandard.ZstdCompressor(level=LEVEL).compress(body)
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(base)).compress(body)


def decompress(data: bytes, base: bytes | None = None) -> bytes:
    import zstandard

    if base is None:
        return zstandard.ZstdDecompressor().decompress(data)
    return zstandard.ZstdDecompressor(dict_data=_dictionary(base)).decompress(data)


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    import zstandard

    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
