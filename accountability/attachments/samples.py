"""Small valid files made without an imaging library, for the demo and the tests: a PNG
picture and a one-page PDF."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Colour = tuple[int, int, int]


def png(width: int, height: int, colour_at: Callable[[int, int], Colour]) -> bytes:
    """A truecolour PNG whose pixel (x, y) is colour_at(x, y)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes(colour_at(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def pdf(line: str) -> bytes:
    """A one-page PDF showing one line of ASCII text."""
    text = line.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 40 100 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def water_photo(tint: Colour = (70, 130, 180), width: int = 96, height: int = 64) -> bytes:
    """A picture of water in a glass, roughly: a tinted column on a pale ground."""

    def colour_at(x: int, y: int) -> Colour:
        inside = width // 3 <= x < 2 * width // 3 and y > height // 5
        if inside:
            shade = y * 40 // height
            return (max(tint[0] - shade, 0), max(tint[1] - shade, 0), max(tint[2] - shade, 0))
        return (235, 235, 228)

    return png(width, height, colour_at)
