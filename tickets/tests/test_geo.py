"""Offline address look-up: normalising, search, postal codes, ward of a point."""

import math

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from tickets.geo.places import (
    TOWNS_CSV,
    Ward,
    address_for_point,
    all_towns,
    from_kanji_number,
    nearest_town,
    normalise_address,
    parse_postal_code,
    search_address,
    to_kanji_number,
    towns_in_bbox,
    validate_point,
    ward_centre,
    ward_for_point,
)

# From the data: 28110 加納町六丁目 and 加納町四丁目 (the city hall block).
KANO_6 = (34.688801, 135.196121)
KANO_4 = (34.695075, 135.193287)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("中央区加納町6丁目5-1", "中央区加納町六丁目5-1"),
        ("神戸市中央区加納町６丁目", "中央区加納町六丁目"),
        ("兵庫県神戸市中央区加納町六丁目５－１", "中央区加納町六丁目5-1"),
        ("加納町6-5-1", "加納町六丁目5-1"),
        ("中央区 加納町 6丁目 5番1号", "中央区加納町六丁目5-1"),
        ("中央区加納町6丁目5番地の1", "中央区加納町六丁目5-1"),
        ("須磨区北町12丁目", "須磨区北町十二丁目"),
        ("西区 水谷 ２０丁目", "西区水谷二十丁目"),
        ("垂水区つつじが丘", "垂水区つつじが丘"),
        ("北区鈴蘭台北町1ー2", "北区鈴蘭台北町1-2"),
        ("東灘区ヶ丘", "東灘区ケ丘"),
        ("", ""),
    ],
)
def test_normalise_address(typed, expected):
    assert normalise_address(typed) == expected


def test_kanji_numbers_round_trip():
    for number in range(1, 100):
        assert from_kanji_number(to_kanji_number(number)) == number
    assert to_kanji_number(6) == "六"
    assert to_kanji_number(10) == "十"
    assert to_kanji_number(23) == "二十三"
    with pytest.raises(ValueError):
        to_kanji_number(0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("650-0001", "6500001"),
        ("6500001", "6500001"),
        ("〒650-0001", "6500001"),
        ("６５０８５７０", "6508570"),
        ("６５０－８５７０", "6508570"),
        ("650 0001", "6500001"),
        ("650-001", None),
        ("加納町", None),
        ("650-0001加納町", None),
    ],
)
def test_parse_postal_code(typed, expected):
    assert parse_postal_code(typed) == expected


def labels(places):
    return [p.label for p in places]


def test_full_address_finds_the_town_and_keeps_the_banchi():
    [place] = search_address("中央区加納町6丁目5-1")
    assert place.ward == Ward.CHUO
    assert place.town == "加納町六丁目"
    assert (place.lat, place.lng) == KANO_6
    assert place.label == "中央区加納町六丁目"
    assert place.address == "中央区加納町六丁目5-1"


def test_city_prefix_and_full_width_digits():
    [place] = search_address("神戸市中央区加納町６丁目")
    assert (place.ward, place.town) == (Ward.CHUO, "加納町六丁目")


def test_town_without_ward_searches_every_ward():
    [place] = search_address("加納町6丁目")  # 加納町 exists only in 中央区
    assert place.ward == Ward.CHUO
    # 北町一丁目 exists in both 長田区 and 須磨区: the operator gets both to choose from.
    places = search_address("北町1丁目")
    assert {(p.ward, p.town) for p in places} == {
        (Ward.NAGATA, "北町一丁目"),
        (Ward.SUMA, "北町一丁目"),
    }


def test_ward_narrows_an_ambiguous_town():
    [place] = search_address("須磨区北町1丁目")
    assert place.ward == Ward.SUMA


def test_town_prefix_lists_its_chome_in_order():
    places = search_address("東灘区住吉本町")
    assert labels(places) == [
        "東灘区住吉本町一丁目",
        "東灘区住吉本町二丁目",
        "東灘区住吉本町三丁目",
    ]


def test_number_without_chome_is_tried_as_chome():
    [place] = search_address("三宮町1")
    assert place.town == "三宮町一丁目"
    [place] = search_address("加納町6-5")
    assert (place.town, place.address) == ("加納町六丁目", "中央区加納町六丁目5")


def test_ward_alone_gives_the_ward_centre():
    [place] = search_address("北区")
    assert place.ward == Ward.KITA
    assert place.town == ""
    assert (place.lat, place.lng) == ward_centre(Ward.KITA)
    assert ward_for_point(place.lat, place.lng) is not None
    # 灘区 is not read into 東灘区 and the other way round.
    assert search_address("灘区")[0].ward == Ward.NADA
    assert search_address("東灘区")[0].ward == Ward.HIGASHINADA


def test_postal_code_with_hyphen_lists_the_towns_it_covers():
    places = search_address("650-0001")
    assert {p.town for p in places} == {f"加納町{n}丁目" for n in "一二三四五六"}
    assert all(p.ward == Ward.CHUO for p in places)
    assert all(p.label.startswith("〒650-0001 ") for p in places)


def test_full_width_business_postal_code_finds_city_hall():
    [place] = search_address("６５０８５７０")
    assert place.ward == Ward.CHUO
    assert place.town == "加納町六丁目"
    assert "神戸市役所" in place.label
    assert place.address == "中央区加納町六丁目5-1 神戸市役所"


def test_postal_code_outside_kobe_or_unknown_gives_nothing():
    assert search_address("100-0001") == []  # 東京都千代田区
    assert search_address("650-9999") == []


def test_nonsense_and_limit():
    assert search_address("xyzzy") == []
    assert search_address("   ") == []
    assert len(search_address("町", limit=5)) == 5


def test_every_town_point_lies_in_its_own_ward():
    for town in all_towns():
        assert ward_for_point(town.lat, town.lng) == town.ward


def test_known_points():
    assert ward_for_point(*KANO_6) == Ward.CHUO
    assert nearest_town(*KANO_4).town == "加納町四丁目"
    assert ward_for_point(34.713037, 135.263537) == Ward.HIGASHINADA  # 住吉宮町一丁目


def test_a_few_dozen_metres_off_a_town_point_keeps_its_ward_nearly_always():
    # Nearest-town is a guess near ward borders; ~45 m away it must hold for ≥ 99%.
    towns = all_towns()
    offsets = [(0.0004, 0), (-0.0004, 0), (0, 0.0005), (0, -0.0005)]
    wrong = 0
    for number, town in enumerate(towns):
        d_lat, d_lng = offsets[number % len(offsets)]
        wrong += ward_for_point(town.lat + d_lat, town.lng + d_lng) != town.ward
    assert wrong / len(towns) < 0.01


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (34.6937, 135.5023),  # 大阪市
        (35.6812, 139.7671),  # 東京駅
        (34.6000, 135.2000),  # 大阪湾の海上（神戸の沖）
        (34.9000, 135.2200),  # 三田市
        (0.0, 0.0),
    ],
)
def test_points_clearly_outside_kobe_have_no_ward(lat, lng):
    assert ward_for_point(lat, lng) is None


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(34.6937, 135.5023), (34.6000, 135.2000), (34.9000, 135.2200), (0.0, 0.0)],
)
def test_a_point_outside_kobe_is_refused_in_japanese_with_its_coordinates(lat, lng):
    with pytest.raises(ValidationError) as error:
        validate_point(lat, lng)
    assert error.value.code == "outside_kobe"
    assert "神戸市外" in error.value.messages[0]
    assert f"{lat:.5f}" in error.value.messages[0]


def test_points_in_kobe_and_no_point_at_all_pass():
    validate_point(*KANO_6)
    validate_point(34.7890, 135.0500)  # 西区 (rural)
    validate_point(None, None)


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        (34.69, None, "incomplete_point"),
        (None, 135.19, "incomplete_point"),
        (math.nan, 135.19, "invalid_point"),
        (95.0, 135.19, "invalid_point"),
        (34.69, math.inf, "invalid_point"),
    ],
)
def test_half_a_point_or_a_broken_one_is_refused(lat, lng, code):
    with pytest.raises(ValidationError) as error:
        validate_point(lat, lng)
    assert error.value.code == code


@given(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_any_pair_of_numbers_is_accepted_exactly_when_it_has_a_ward(lat, lng):
    try:
        validate_point(lat, lng)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    if lat is None and lng is None:
        assert accepted
    elif lat is None or lng is None or not (math.isfinite(lat) and math.isfinite(lng)):
        assert not accepted
    elif -90 <= lat <= 90 and -180 <= lng <= 180:
        assert accepted == (ward_for_point(lat, lng) is not None)


def test_the_address_offered_for_a_point_is_its_nearest_town():
    assert address_for_point(*KANO_6) == "中央区加納町六丁目"
    assert address_for_point(34.6937, 135.5023) == ""


def test_towns_in_bbox_returns_points_inside_only():
    towns, truncated = towns_in_bbox(34.68, 135.18, 34.70, 135.21, limit=500)
    assert not truncated
    assert any(t.town == "加納町六丁目" for t in towns)
    assert all(34.68 <= t.lat <= 34.70 and 135.18 <= t.lng <= 135.21 for t in towns)


def test_towns_in_bbox_spreads_a_truncated_sample_over_the_whole_box():
    towns, truncated = towns_in_bbox(34.5, 134.9, 35.0, 135.4, limit=100)
    assert truncated
    assert len(towns) == 100
    assert len(set(towns)) == 100
    assert {t.ward for t in towns} == set(Ward)


def test_committed_town_file_is_what_the_command_builds():
    call_command("build_kobe_towns", check=True)  # rebuilds in memory and compares
    assert TOWNS_CSV.read_text(encoding="utf-8").startswith("# 神戸市の町丁目代表点。出典")
    assert len(all_towns()) == 2844
    assert {t.ward for t in all_towns()} == set(Ward)


def test_build_command_writes_the_file(tmp_path):
    output = tmp_path / "kobe_towns.csv"
    call_command("build_kobe_towns", output=output)
    assert output.read_text(encoding="utf-8") == TOWNS_CSV.read_text(encoding="utf-8")


def test_build_command_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "kobe_towns.csv"
    stale.write_text("ward_code,ward_name,town,lat,lng\n", encoding="utf-8")
    with pytest.raises(CommandError, match="最新ではありません"):
        call_command("build_kobe_towns", output=stale, check=True)
