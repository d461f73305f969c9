"""The email's chart: appointments per day as a PNG bar chart.

Mail clients do not show SVG (Gmail and Outlook drop it), so the dashboard's pygal
charts cannot be reused; a PNG needs only zlib and a few lines of the PNG format
(RFC 2083), so no imaging library is added for one bar chart. Drawn at twice its
displayed size for sharp high-density screens.
"""

import struct
import zlib

BAR = (47, 111, 143)
BAR_LIGHT = (157, 190, 207)
AXIS = (190, 190, 190)
BACKGROUND = (255, 255, 255)


def _chunk(tag, data):
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    )


def encode_png(rows):
    """A PNG of rows of (r, g, b) bytes, all the same width (8-bit truecolour, no filter)."""
    height, width = len(rows), len(rows[0]) // 3
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def bar_chart(values, highlight=None, width=560, height=120, scale=2):
    """PNG bytes: one bar per value, scaled to the largest; the bar at index `highlight`
    drawn dark and the others light (None: all dark)."""
    w, h, pad = width * scale, height * scale, 4 * scale
    rows = [bytearray(BACKGROUND * w) for _ in range(h)]
    base = h - pad  # the axis row
    rows[base][pad * 3 : (w - pad) * 3] = bytes(AXIS) * (w - 2 * pad)
    top = max(values, default=0) or 1
    slot = (w - 2 * pad) / max(len(values), 1)
    gap = max(scale, int(slot * 0.2))
    for i, value in enumerate(values):
        x0, x1 = int(pad + i * slot + gap / 2), int(pad + (i + 1) * slot - gap / 2)
        bar_height = round((base - pad) * value / top)
        colour = BAR if highlight is None or i == highlight else BAR_LIGHT
        for y in range(base - bar_height, base):
            rows[y][x0 * 3 : x1 * 3] = bytes(colour) * (x1 - x0)
    return encode_png(rows)
