"""Regenerates touchline.svg and its PNG renderings: ``uv run python assets/icons/generate.py``.

The glyph is a football on a pitch: a rounded green square with the halfway line and centre
circle, and a classic black-and-white ball in the middle. Kept simple so it still reads at 16 px.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def _polygon(cx: float, cy: float, r: float, start_deg: float) -> str:
    pts = []
    for k in range(5):
        a = math.radians(start_deg + 72 * k)
        pts.append(f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}")
    return " ".join(pts)


def svg() -> str:
    c, ball = 128.0, 70.0
    centre = _polygon(c, c, 26, -90)
    seams, patches = [], []
    for k in range(5):
        # Second-ring patches lie in the directions of the centre patch's corners, one corner
        # pointing inwards, half hidden by the ball's edge; seams join the corners.
        a = -90 + 72 * k
        rad = math.radians(a)
        x1, y1 = c + 26 * math.cos(rad), c + 26 * math.sin(rad)
        x2, y2 = c + 54 * math.cos(rad), c + 54 * math.sin(rad)
        seams.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>')
        pcx, pcy = c + 74 * math.cos(rad), c + 74 * math.sin(rad)
        patches.append(f'<polygon points="{_polygon(pcx, pcy, 20, a + 180)}"/>')
    size = 'width="256" height="256" viewBox="0 0 256 256"'
    return f"""<svg xmlns="http://www.w3.org/2000/svg" {size}>
  <title>Touchline</title>
  <defs>
    <linearGradient id="pitch" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#43a047"/>
      <stop offset="1" stop-color="#2e7d32"/>
    </linearGradient>
    <clipPath id="ball"><circle cx="{c}" cy="{c}" r="{ball}"/></clipPath>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="52" fill="url(#pitch)"/>
  <g fill="none" stroke="#ffffff" stroke-opacity="0.6" stroke-width="8">
    <line x1="128" y1="8" x2="128" y2="248"/>
    <circle cx="{c}" cy="{c}" r="98"/>
  </g>
  <circle cx="{c}" cy="{c}" r="{ball}" fill="#ffffff"/>
  <g clip-path="url(#ball)" fill="#1d1d1d" stroke="#1d1d1d" stroke-width="6"
     stroke-linejoin="round">
    <polygon points="{centre}"/>
    {"".join(seams)}
    {"".join(patches)}
  </g>
  <circle cx="{c}" cy="{c}" r="{ball}" fill="none" stroke="#1d1d1d" stroke-width="8"/>
</svg>
"""


def main() -> int:
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    text = svg()
    (HERE / "touchline.svg").write_text(text, encoding="utf-8")
    _app = QGuiApplication([*sys.argv[:1], "-platform", "offscreen"])
    renderer = QSvgRenderer(QByteArray(text.encode()))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(HERE / f"touchline-{size}.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
