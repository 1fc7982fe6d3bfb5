"""The map of the dashboard, pure: locations on the region's outline, each a circle sized by
the personnel present, with a legend of sizes. SVG drawn on the server (no script).

Labels are placed so that they do not overlap one another or a circle (El Centro and Yuma
sit 150 km apart): each tries above, below, right and left of its circle in turn, larger
locations first. The view box takes in every circle and label, so none is cut at the edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mobilize.scenario.schemas import Scenario

CHAR_WIDTH = 6.4  # px per character of an 11 px label, a generous average
LABEL_HEIGHT = 12.0
SMALLEST, LARGEST = 4.0, 24.0  # circle radii in px: nobody there, the most people


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )


@dataclass(frozen=True)
class MapPoint:
    code: str
    name: str
    x: float
    y: float
    radius: float
    personnel: int
    label_x: float = 0.0  # where the label's anchor is
    label_y: float = 0.0
    anchor: str = "middle"  # SVG text-anchor: start, middle, end


@dataclass(frozen=True)
class MapView:
    width: int
    height: int
    outline: str  # an SVG path
    points: list[MapPoint]
    legend: list[tuple[int, float]]  # (personnel, radius) of the size legend's circles
    view_box: str = ""


def radius_of(people: int, largest: int) -> float:
    """Area in proportion to people: the radius grows with the square root."""
    return round(SMALLEST + (LARGEST - SMALLEST) * math.sqrt(people / max(largest, 1)), 1)


def location_map(
    scenario: Scenario,
    personnel: dict[str, int],
    outline: list[list[tuple[float, float]]],
    width: int = 720,
    height: int = 300,
) -> MapView:
    """Locations on an equirectangular projection of the region the locations and the outline
    span (cosine-corrected at the middle latitude), sized by the personnel there."""
    if not scenario.locations:
        return MapView(width, height, "", [], [], f"0 0 {width} {height}")
    drawn = [point for ring in outline for point in ring]
    lats = [location.lat for location in scenario.locations] + [lat for lat, _ in drawn]
    lons = [location.lon for location in scenario.locations] + [lon for _, lon in drawn]
    pad = 0.5
    south, north = min(lats) - pad, max(lats) + pad
    west, east = min(lons) - pad, max(lons) + pad
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = min(width / ((east - west) * squeeze), height / (north - south))

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (lon - west) * squeeze * scale, (north - lat) * scale

    path = " ".join(
        "M " + " L ".join(f"{x:.1f},{y:.1f}" for x, y in (project(*p) for p in ring))
        for ring in outline
        if ring
    )
    largest = max(personnel.values(), default=0) or 1
    circles = []
    for location in scenario.locations:
        x, y = project(location.lat, location.lon)
        people = personnel.get(location.id, 0)
        circles.append(
            MapPoint(
                location.id,
                location.name,
                round(x, 1),
                round(y, 1),
                radius_of(people, largest),
                people,
            )
        )
    points = _labelled(circles)
    drawn_width = int((east - west) * squeeze * scale)
    drawn_height = int((north - south) * scale)
    legend = _legend(largest)
    return MapView(
        drawn_width,
        drawn_height,
        path,
        points,
        legend,
        _view_box(points, drawn_width, drawn_height),
    )


def label_text(point: MapPoint) -> str:
    return f"{point.code} {point.personnel:,}"


def _labelled(circles: list[MapPoint]) -> list[MapPoint]:
    """Each circle with its label placed clear of the labels placed before it and of every
    circle; the biggest first, since they have the least room."""
    taken = [_circle_box(point) for point in circles]
    placed: dict[str, MapPoint] = {}
    for point in sorted(circles, key=lambda p: (-p.radius, p.code)):
        own = _circle_box(point)
        others = [box for box in taken if box != own]
        # The first spot clear of everything; else the one that covers the least.
        chosen = min(_label_spots(point), key=lambda spot: _covered(spot[3], others))
        x, y, anchor, box = chosen
        taken.append(box)
        placed[point.code] = MapPoint(
            point.code, point.name, point.x, point.y, point.radius, point.personnel, x, y, anchor
        )
    return [placed[point.code] for point in circles]


def _label_spots(point: MapPoint) -> list[tuple[float, float, str, Box]]:
    """Where a label may go, in order of preference: above, below, right, left of the
    circle, then its corners, then a line further up or down: (x, baseline y, anchor, box)."""
    text = CHAR_WIDTH * len(label_text(point))
    r, x, y = point.radius, point.x, point.y
    corner = r * 0.72
    spots = [
        (x, y - r - 3, "middle"),
        (x, y + r + 12, "middle"),
        (x + r + 3, y + 4, "start"),
        (x - r - 3, y + 4, "end"),
        (x + corner, y - corner - 2, "start"),
        (x - corner, y - corner - 2, "end"),
        (x + corner, y + corner + 11, "start"),
        (x - corner, y + corner + 11, "end"),
        (x, y - r - 3 - LABEL_HEIGHT - 2, "middle"),
        (x, y + r + 12 + LABEL_HEIGHT + 2, "middle"),
    ]
    return [(sx, sy, anchor, _text_box(sx, sy, anchor, text)) for sx, sy, anchor in spots]


def _text_box(x: float, baseline: float, anchor: str, text: float) -> Box:
    left = {"start": x, "middle": x - text / 2}.get(anchor, x - text)
    return Box(left, baseline - LABEL_HEIGHT + 2, left + text, baseline + 2)


def _covered(box: Box, others: list[Box]) -> float:
    """How much of `box` the others cover (0: clear)."""
    total = 0.0
    for other in others:
        width = min(box.right, other.right) - max(box.left, other.left)
        height = min(box.bottom, other.bottom) - max(box.top, other.top)
        if width > 0 and height > 0:
            total += width * height
    return total


def _circle_box(point: MapPoint) -> Box:
    r = point.radius
    return Box(point.x - r, point.y - r, point.x + r, point.y + r)


def _legend(largest: int) -> list[tuple[int, float]]:
    """Three round figures up to the most people at a place, with their circles' radii."""
    if largest <= 1:
        return [(0, SMALLEST)]
    top = _round_down(largest)
    sizes = sorted({_round_down(max(1, top // 10)), _round_down(max(1, top // 3)), top})
    return [(size, radius_of(size, largest)) for size in sizes]


def _round_down(value: int) -> int:
    """The value to one significant figure, rounded down (2,340 → 2,000)."""
    magnitude: int = 10 ** (len(str(value)) - 1)
    return max(1, value // magnitude * magnitude)


def _view_box(points: list[MapPoint], width: int, height: int) -> str:
    """The drawing plus every circle and label, with a margin, as an SVG view box."""
    left, top, right, bottom = 0.0, 0.0, float(width), float(height)
    for point in points:
        text = CHAR_WIDTH * len(label_text(point))
        for box in (
            _circle_box(point),
            _text_box(point.label_x, point.label_y, point.anchor, text),
        ):
            left, top = min(left, box.left), min(top, box.top)
            right, bottom = max(right, box.right), max(bottom, box.bottom)
    margin = 6
    return (
        f"{left - margin:.0f} {top - margin:.0f} "
        f"{right - left + 2 * margin:.0f} {bottom - top + 2 * margin:.0f}"
    )
