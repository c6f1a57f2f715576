"""The enrolment QR code: the drawn SVG holds exactly qrcode's module matrix, accessible and without inline styles."""

from __future__ import annotations

import re

import qrcode
import qrcode.constants

from school_gateway.qr import group_secret, qr_svg

URI = "otpauth://totp/Tr%C6%B0%E1%BB%9Dng:hieutruong?secret=JBSWY3DPEHPK3PXP&issuer=Tr%C6%B0%E1%BB%9Dng"


def _drawn(svg: str, size: int) -> list[list[bool]]:
    grid = [[False] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(width)):
            grid[int(y)][int(x) + dx] = True
    return grid


def test_svg_draws_the_qr_matrix_of_the_uri() -> None:
    svg = str(qr_svg(URI, "Mã QR"))
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(URI)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert _drawn(svg, size) == [[bool(v) for v in row] for row in matrix]


def test_svg_is_accessible_escaped_and_has_no_inline_style() -> None:
    svg = str(qr_svg(URI, 'Mã "QR" <b>'))
    assert svg.startswith('<svg class="qr" role="img" aria-label="Mã &#34;QR&#34; &lt;b&gt;"')
    assert "style=" not in svg
    assert "http" not in svg  # no external namespace or reference


def test_secret_is_grouped_by_four_for_typing() -> None:
    assert group_secret("jbswy3dpehpk3pxp") == "JBSW Y3DP EHPK 3PXP"
    assert group_secret("ABCDE") == "ABCD E"
