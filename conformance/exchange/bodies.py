"""Decode message bodies for checking only, never more than a size limit.

``decode_body(raw, content_encoding, limit)`` undoes gzip, deflate, br and zstd (in the
order the header lists them) and returns ``(decoded, None)``, or ``(None, reason)`` when the
body cannot be checked: larger than ``limit`` once decoded (a compression bomb is never
inflated past the limit), an unknown coding, or data that does not decode.
"""

from __future__ import annotations

import sys
import zlib

import brotli

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the same API, backported (mitmproxy 12 depends on it too)
    from backports import zstd

__all__ = ["DEFAULT_MAX_BODY", "decode_body", "parse_size", "too_large"]

DEFAULT_MAX_BODY = 1024 * 1024
_BR_STEP = 256  # brotli input fed per step, so one step cannot inflate far past the limit


class _Undecodable(Exception):
    pass


def too_large(size: int, limit: int) -> str:
    return f"the body is {size} bytes, over the checking limit of {limit} bytes"


def _zlib(data: bytes, limit: int, wbits: int) -> bytes:
    decomp = zlib.decompressobj(wbits)
    out = decomp.decompress(data, limit + 1)
    if len(out) <= limit and not decomp.eof and not decomp.unconsumed_tail:
        raise _Undecodable("truncated compressed data")
    return out


def _deflate(data: bytes, limit: int) -> bytes:
    try:
        return _zlib(data, limit, zlib.MAX_WBITS)
    except zlib.error:  # raw deflate without the zlib header, as some servers send
        return _zlib(data, limit, -zlib.MAX_WBITS)


def _brotli(data: bytes, limit: int) -> bytes:
    decomp = brotli.Decompressor()
    out = bytearray()
    for start in range(0, len(data), _BR_STEP):
        out += decomp.process(data[start:start + _BR_STEP])
        if len(out) > limit:
            break
    return bytes(out)


def _zstd(data: bytes, limit: int) -> bytes:
    decomp = zstd.ZstdDecompressor()
    out = decomp.decompress(data, max_length=limit + 1)
    if len(out) <= limit and not decomp.eof:
        raise _Undecodable("truncated compressed data")
    return out


_DECODERS = {
    "gzip": lambda d, n: _zlib(d, n, 16 + zlib.MAX_WBITS),
    "x-gzip": lambda d, n: _zlib(d, n, 16 + zlib.MAX_WBITS),
    "deflate": _deflate,
    "br": _brotli,
    "zstd": _zstd,
}


def decode_body(raw: bytes, content_encoding: str | None, limit: int) -> tuple[bytes | None,
                                                                            str | None]:
    """(decoded bytes, None) or (None, why the body is not checked)."""
    if len(raw) > limit:
        return None, too_large(len(raw), limit)
    if not raw:
        return b"", None
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data = raw
    for coding in reversed(codings):  # the last coding applied is listed last
        if coding == "identity":
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            return None, f"the body has content coding {coding!r}, which is not decoded"
        try:
            data = decoder(data, limit)
        except (_Undecodable, zlib.error, brotli.error, zstd.ZstdError) as exc:
            return None, f"the {coding} body does not decode ({exc})"
        if len(data) > limit:
            return None, f"the body decodes to more than the checking limit of {limit} bytes"
    return data, None


_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
          "gb": 1024**3}


def parse_size(text: str) -> int:
    """``"512k"`` -> 524288; ``"1m"``, ``"2mb"``, ``"1000"``. ValueError when not a size."""
    value = text.strip().lower()
    number = value.rstrip("bkmg")
    unit = value[len(number):]
    if not number.isdigit() or unit not in _UNITS or int(number) <= 0:
        raise ValueError(f"not a size: {text!r} (use e.g. 512k, 1m, 4m)")
    return int(number) * _UNITS[unit]
