"""The otpauth:// URI of a TOTP enrolment as an inline SVG QR code (no image file, no script, no CDN).

The page's Content-Security-Policy allows no inline styles, so the SVG is drawn as one path with
presentation attributes only; the quiet zone and colours are part of the drawing.
"""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]  # qrcode ships no type information
import qrcode.constants  # type: ignore[import-untyped]
from markupsafe import Markup

_BORDER = 4  # modules of quiet zone the standard asks for


def qr_svg(data: str, label: str) -> Markup:
    """An accessible ``<svg>`` QR code of ``data`` (error correction M), named ``label`` for screen readers."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=_BORDER)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the border
    size = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            # One horizontal run of dark modules: move, then a 1-high rectangle of width (x - start).
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    # Markup.format escapes every argument; the path holds only digits and path letters anyway.
    return Markup(
        '<svg class="qr" role="img" aria-label="{label}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
        'data-testid="mfa-qr"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    ).format(label=label, size=size, path="".join(runs))


def group_secret(secret: str, size: int = 4) -> str:
    """A base32 secret in groups of four for typing by hand ("JBSW Y3DP EHPK 3PXP")."""
    clean = "".join(secret.split()).upper()
    return " ".join(clean[i : i + size] for i in range(0, len(clean), size))
