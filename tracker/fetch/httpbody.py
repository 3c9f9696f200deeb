"""Response bodies decoded with bounded work: one content coding at most, in bounded pieces.

httpx's own decoders turn each network chunk into all of its output at once (a 64 KB chunk
of a gzip bomb is 64 MB, two stacked codings 1 GiB) before anyone can count it; here every
decompress call yields at most DECODE_CHUNK bytes, so the caller's size cap stops a bomb
after cap + DECODE_CHUNK bytes and the event loop gets a turn between pieces.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator

from tracker.errors import FeedFormatError, ResponseTooLarge
from tracker.text.redact import quoted

# Largest piece one decompress call may produce: ~1 ms of zlib, so other charts' requests
# and timeouts keep running while a body is decoded, and a bomb stops at the cap.
DECODE_CHUNK = 256 * 1024
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


def content_coding(header: str, url: str) -> str:
    """The one content coding of a response ("" for none); stacked or unknown ones refused.

    Each extra layer of gzip multiplies the expansion by up to ~1000 (a 2 KB answer can hold
    1 GiB), and no feed needs more than one, so more than one is an error, not a decoding job.
    """
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        raise FeedFormatError(
            f"refused Content-Encoding {quoted(header)} from {url}: "
            "only one content coding is accepted",
            url=url,
        )
    if codings and codings[0] not in _WBITS:
        raise FeedFormatError(
            f"refused Content-Encoding {quoted(header)} from {url}: not gzip or deflate", url=url
        )
    return codings[0] if codings else ""


async def decoded(
    raw: AsyncIterator[bytes], coding: str, cap: int, url: str
) -> AsyncIterator[bytes]:
    """The body as it arrives, decoded in pieces of at most DECODE_CHUNK bytes.

    Raw bytes are counted against `cap` too; the caller counts the decoded ones and stops at
    the cap, so at most cap + DECODE_CHUNK bytes are ever held.
    """
    received = 0
    if not coding:
        async for chunk in raw:
            yield chunk
        return
    decoder = zlib.decompressobj(_WBITS[coding])
    first = True
    async for chunk in raw:
        received += len(chunk)
        if received > cap:
            raise ResponseTooLarge(f"response exceeds the {cap}-byte cap: {url}", url=url)
        data = chunk
        while True:
            try:
                piece = decoder.decompress(data, DECODE_CHUNK)
            except zlib.error as exc:
                if first and coding == "deflate":
                    # Some servers send raw deflate without the zlib header (as httpx accepts).
                    decoder, first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise FeedFormatError(f"invalid {coding} body from {url}: {exc}", url=url) from None
            first = False
            if piece:
                yield piece
                await asyncio.sleep(0)
            if decoder.eof:
                return  # anything after the end of the stream is ignored, as httpx does
            data = decoder.unconsumed_tail
            # A full piece may leave output pending inside zlib even with no input left.
            if not data and len(piece) < DECODE_CHUNK:
                break
    yield decoder.flush()
