"""HTTP Content-Encoding undone a bounded piece at a time (gzip and deflate, in any number of layers).

httpx's decoders hand each layer the whole output of the layer below, so `Content-Encoding: gzip, gzip`
(a few KB that expand to gigabytes) is expanded in memory before any size check can run. Here every
zlib call produces at most 64 KB, so the caller's byte cap and deadline hold for the decoded bytes.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterator

ENCODINGS = {"gzip": 31, "x-gzip": 31, "deflate": 15}  # Content-Encoding -> zlib wbits
CHUNK = 65_536


def content_layers(header: str) -> list[str]:
    """The encodings of a Content-Encoding header, in the order they were applied ("identity" left out).

    >>> content_layers("gzip, gzip"), content_layers("")
    (['gzip', 'gzip'], [])

    Raises:
        ValueError: an encoding other than gzip or deflate (the only ones asked for).
    """
    layers = [e.strip().lower() for e in header.split(",")]
    layers = [e for e in layers if e and e != "identity"]
    unknown = [e for e in layers if e not in ENCODINGS]
    if unknown:
        raise ValueError(f"unsupported Content-Encoding {unknown[0][:40]!r}")
    return layers


def decoded(chunks: Iterator[bytes], layers: list[str]) -> Iterator[bytes]:
    """The body with its Content-Encoding layers undone (the last one named first), in pieces of at most 64 KB."""
    for layer in reversed(layers):
        chunks = _inflate(chunks, ENCODINGS[layer])
    return chunks


def _inflate(chunks: Iterator[bytes], wbits: int) -> Iterator[bytes]:
    """Undo one gzip or deflate layer, never producing more than 64 KB from one call (no bomb in memory).

    Raises:
        zlib.error: the data is not in that encoding.
    """
    inflater = zlib.decompressobj(wbits)
    started = False
    for chunk in chunks:
        data = chunk
        while data:
            try:
                piece = inflater.decompress(data, CHUNK)
            except zlib.error:
                if started or wbits != 15:
                    raise
                wbits, inflater = -15, zlib.decompressobj(-15)  # "deflate" sent without its zlib header
                continue
            started = True
            if piece:
                yield piece
            if inflater.eof:
                data = inflater.unused_data  # another gzip member follows
                if data:
                    inflater = zlib.decompressobj(wbits)
            elif inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif len(piece) == CHUNK:
                data = b""
                while len(piece) == CHUNK:  # output still pending inside zlib
                    piece = inflater.decompress(b"", CHUNK)
                    if piece:
                        yield piece
            else:
                data = b""
