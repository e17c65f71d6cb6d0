"""Reads a PNG with pypng (an independent decoder) and prints one JSON
object: the image size, its most common colour (the background), the share
of pixels that differ from it, and for each box given as x0,y0,x1,y1 the
share of dark (luminance < 96) and light (luminance > 200) pixels.

    png_stats.py FILE [x0,y0,x1,y1 ...]
"""

import collections
import json
import sys

import png


def main():
    width, height, rows, info = png.Reader(filename=sys.argv[1]).asRGBA8()
    pixels = [list(zip(*[iter(row)] * 4)) for row in rows]
    counts = collections.Counter(p[:3] for row in pixels for p in row)
    background, _ = counts.most_common(1)[0]
    total = width * height
    other = total - counts[background]

    def lum(p):
        return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]

    boxes = []
    for arg in sys.argv[2:]:
        x0, y0, x1, y1 = (int(v) for v in arg.split(","))
        inside = [pixels[y][x] for y in range(y0, min(y1, height)) for x in range(x0, min(x1, width))]
        n = max(len(inside), 1)
        boxes.append({
            "dark": sum(1 for p in inside if lum(p) < 96) / n,
            "light": sum(1 for p in inside if lum(p) > 200) / n,
        })
    print(json.dumps({
        "width": width,
        "height": height,
        "background": list(background),
        "non_background": other / total,
        "colours": len(counts),
        "boxes": boxes,
    }))


main()
