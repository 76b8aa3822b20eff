"""Unit names as plans and configs spell them, resolved to the names reminders are keyed by."""

from __future__ import annotations

import unicodedata

import pytest

from bot.domain import unit_rules
from bot.domain.units import (
    AFFILIATES,
    BAN_ISO,
    DEPARTMENTS,
    DISTRICT_OFFICES,
    GROUP_NAMES,
    LEADERSHIP,
    OFFICE,
    UnitCatalog,
    lead_and_support,
    unit_key,
)

DEPARTMENT_LIST = ["Phòng Tổ chức cán bộ", "Phòng Giáo dục Trung học", "Phòng Kế hoạch, Tài chính"]


@pytest.fixture
def catalog() -> UnitCatalog:
    return UnitCatalog()


@pytest.fixture
def configured() -> UnitCatalog:
    return UnitCatalog(units=[OFFICE], groups={DEPARTMENTS: DEPARTMENT_LIST})


def test_the_built_in_names_are_the_plans_spelling() -> None:
    assert BAN_ISO == "Ban ISO Sở"
    assert LEADERSHIP == "Lãnh đạo Sở"
    assert OFFICE == "Văn phòng Sở"
    assert GROUP_NAMES == (DEPARTMENTS, DISTRICT_OFFICES, AFFILIATES)


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Ban ISO", BAN_ISO),
        ("Ban ISO Sở", BAN_ISO),
        ("  ban  iso\u00a0sở. ", BAN_ISO),
        ("lãnh đạo sở", LEADERSHIP),
        ("các phòng thuộc Sở", DEPARTMENTS),
        ("các phòng chức năng Sở", DEPARTMENTS),
        ("Các phòng chuyên môn, nghiệp vụ thuộc Sở", DEPARTMENTS),
        ("Phòng GDĐT các huyện/TP/TX", DISTRICT_OFFICES),
        ("Phòng GD&ĐT các huyện / TP / TX", DISTRICT_OFFICES),
        ("các phòng Giáo dục và Đào tạo huyện, thị xã, thành phố", DISTRICT_OFFICES),
        ("các đơn vị trực thuộc sở", AFFILIATES),
    ],
)
def test_aliases_and_odd_spellings_resolve(catalog: UnitCatalog, spelling: str, name: str) -> None:
    assert catalog.canonical(spelling) == name
    assert catalog.canonical(unicodedata.normalize("NFD", spelling)) == name


def test_capital_d_with_stroke_is_matched(catalog: UnitCatalog) -> None:
    assert catalog.canonical("LÃNH ĐẠO SỞ") == LEADERSHIP
    assert catalog.canonical("PHÒNG GDĐT CÁC HUYỆN/TP/TX") == DISTRICT_OFFICES


def test_an_unknown_name_is_kept_tidied(catalog: UnitCatalog) -> None:
    spelling = unicodedata.normalize("NFD", " Phòng  Kế hoạch - Tài chính ;")
    assert catalog.canonical(spelling) == "Phòng Kế hoạch - Tài chính"


def test_a_cell_is_split_on_commas_semicolons_and_va(catalog: UnitCatalog) -> None:
    assert catalog.parse_cell("Lãnh đạo Sở, Ban ISO") == (LEADERSHIP, BAN_ISO)
    assert catalog.parse_cell("Văn phòng Sở; Ban ISO") == (OFFICE, BAN_ISO)
    assert catalog.parse_cell("Ban ISO và Lãnh đạo Sở") == (BAN_ISO, LEADERSHIP)
    assert catalog.parse_cell("Ban ISO VÀ các phòng thuộc Sở") == (BAN_ISO, DEPARTMENTS)
    assert catalog.parse_cell("- Lãnh đạo Sở\n- Ban ISO") == (LEADERSHIP, BAN_ISO)


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        ("Phòng GDĐT các huyện, thị xã, thành phố", (DISTRICT_OFFICES,)),
        ("Ban ISO, Phòng GDĐT các huyện, thị xã, thành phố", (BAN_ISO, DISTRICT_OFFICES)),
        ("các phòng chuyên môn, nghiệp vụ thuộc Sở và Văn phòng Sở", (DEPARTMENTS, OFFICE)),
        ("các phòng Giáo dục và Đào tạo huyện, thị xã, thành phố", (DISTRICT_OFFICES,)),
        ("Phòng GDĐT các huyện,\nthị xã, thành phố", (DISTRICT_OFFICES,)),
    ],
)
def test_known_names_holding_commas_stay_whole(
    catalog: UnitCatalog, cell: str, units: tuple[str, ...]
) -> None:
    assert catalog.parse_cell(cell) == units


def test_a_configured_name_with_a_comma_stays_whole(configured: UnitCatalog) -> None:
    cell = "Phòng Tổ chức cán bộ, Phòng Kế hoạch, Tài chính"
    assert configured.parse_cell(cell) == ("Phòng Tổ chức cán bộ", "Phòng Kế hoạch, Tài chính")


def test_sector_names_with_va_are_not_cut(catalog: UnitCatalog) -> None:
    cell = "Sở Giáo dục và Đào tạo, Sở Khoa học và Công nghệ và Ban ISO"
    assert catalog.parse_cell(cell) == (
        "Sở Giáo dục và Đào tạo",
        "Sở Khoa học và Công nghệ",
        BAN_ISO,
    )


def test_repeats_are_dropped_keeping_order(catalog: UnitCatalog) -> None:
    assert catalog.parse_cell("Ban ISO, Lãnh đạo Sở, Ban ISO Sở, ban iso") == (BAN_ISO, LEADERSHIP)
    assert catalog.parse_cell(" , ; ") == ()


def test_a_unit_that_leads_does_not_also_support(catalog: UnitCatalog) -> None:
    # Task 10 of plan 187/KH-SGDĐT lists Ban ISO both as lead and as supporting unit.
    lead, support = lead_and_support(
        "Ban ISO", "Lãnh đạo Sở, Ban ISO, các phòng thuộc Sở", catalog
    )
    assert lead == (BAN_ISO,)
    assert support == (LEADERSHIP, DEPARTMENTS)


def test_group_members_come_from_the_config(configured: UnitCatalog) -> None:
    assert configured.is_group(DEPARTMENTS)
    assert configured.is_group("các phòng chức năng Sở")
    assert not configured.is_group("Ban ISO")
    assert not configured.is_group("Phòng Tổ chức cán bộ")
    assert configured.members(DEPARTMENTS) == tuple(DEPARTMENT_LIST)
    assert configured.members(BAN_ISO) == ()


def test_expand_gives_each_member_of_a_group(configured: UnitCatalog) -> None:
    assert configured.expand("Các phòng thuộc Sở") == tuple(DEPARTMENT_LIST)
    assert configured.expand("các phòng chuyên môn, nghiệp vụ thuộc Sở") == tuple(DEPARTMENT_LIST)
    assert configured.expand("Ban ISO") == (BAN_ISO,)
    assert configured.expand("Phòng Tổ chức cán bộ") == ("Phòng Tổ chức cán bộ",)


def test_a_group_without_members_still_owes_its_tasks(catalog: UnitCatalog) -> None:
    assert catalog.is_group(DISTRICT_OFFICES)
    assert catalog.members(DISTRICT_OFFICES) == ()
    assert catalog.expand(DISTRICT_OFFICES) == (DISTRICT_OFFICES,)


def test_groups_may_be_named_by_alias_and_members_are_canonical() -> None:
    catalog = UnitCatalog(groups={"các phòng chức năng Sở": ["Văn phòng Sở", "ban iso"]})
    assert catalog.members(DEPARTMENTS) == (OFFICE, BAN_ISO)


def test_nested_groups_expand_to_units_and_cycles_stop() -> None:
    catalog = UnitCatalog(
        groups={
            "Khối văn phòng": ["Văn phòng Sở", "Khối nghiệp vụ"],
            "Khối nghiệp vụ": ["Phòng Giáo dục Trung học", "Khối văn phòng"],
        }
    )
    assert catalog.expand("Khối văn phòng") == (OFFICE, "Phòng Giáo dục Trung học")


def test_configured_units_are_recognised_in_cells(configured: UnitCatalog) -> None:
    units = configured.parse_cell("phòng giáo dục trung học và Văn phòng Sở")
    assert units == ("Phòng Giáo dục Trung học", OFFICE)


# --- DESIGN "Units in a cell": the rules real plans need ----------------------------------------


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        # Commas and "và" inside one name: nothing after them starts a new unit.
        ("Sở Văn hóa, Thể thao và Du lịch", ("Sở Văn hóa, Thể thao và Du lịch",)),
        ("Sở Nông nghiệp và Môi trường", ("Sở Nông nghiệp và Môi trường",)),
        ("Các sở, ban, ngành", ("Các sở, ban, ngành",)),
        ("UBND xã, phường, đặc khu", ("Ủy ban nhân dân xã, phường, đặc khu",)),
        ("Cơ quan, địa phương liên quan", ("Cơ quan, địa phương liên quan",)),
        ("Báo và Phát thanh, Truyền hình Đồng Nai", ("Báo và Phát thanh, Truyền hình Đồng Nai",)),
        ("Ban Thi đua - Khen thưởng Trung ương", ("Ban Thi đua - Khen thưởng Trung ương",)),
        # A head word or "các" after a separator starts a new unit.
        (
            "Sở Tài chính, Sở Nội vụ và UBND các huyện",
            ("Sở Tài chính", "Sở Nội vụ", "Ủy ban nhân dân các huyện"),
        ),
        ("Bộ Xây dựng, các địa phương", ("Bộ Xây dựng", "Các địa phương")),
        (
            "Bộ Khoa học và Công nghệ và các bộ, ngành khác có liên quan",
            ("Bộ Khoa học và Công nghệ", "Các bộ, ngành khác có liên quan"),
        ),
        (
            "- Đài Truyền hình Việt Nam; - Đài Tiếng nói Việt Nam; - Thông tấn xã Việt Nam.",
            ("Đài Truyền hình Việt Nam", "Đài Tiếng nói Việt Nam", "Thông tấn xã Việt Nam"),
        ),
        # Parentheses hold a sub-unit, never a separator.
        ("Bộ Công an (Trung tâm Dữ liệu quốc gia)", ("Bộ Công an (Trung tâm Dữ liệu quốc gia)",)),
        # Role text after a name is not a unit.
        (
            "Sở Khoa học và Công nghệ thúc đẩy, theo dõi, báo cáo chỉ tiêu",
            ("Sở Khoa học và Công nghệ",),
        ),
        (
            "Sở KH&CN chủ trì hướng dẫn, tổng hợp; Các sở, ngành, UBND cấp xã thực hiện công bố",
            ("Sở Khoa học và Công nghệ", "Các sở, ngành", "Ủy ban nhân dân cấp xã"),
        ),
        # Footnote marks belong to the page, not to the name.
        ("UBND các tỉnh/ thành phố[2]", ("Ủy ban nhân dân các tỉnh/thành phố",)),
    ],
)
def test_a_cell_is_cut_only_where_a_new_unit_starts(
    catalog: UnitCatalog, cell: str, units: tuple[str, ...]
) -> None:
    assert catalog.parse_cell(cell) == units
    assert catalog.parse_cell(unicodedata.normalize("NFD", cell)) == units


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        (
            "Các Cục: Di sản văn hóa, Bản quyền tác giả",
            ("Cục Di sản văn hóa", "Cục Bản quyền tác giả"),
        ),
        ("Các Sở: Tài chính, Nội vụ", ("Sở Tài chính", "Sở Nội vụ")),
        (
            "các phòng: KH-TC, TCCB và GDTrH",
            (
                "Phòng Kế hoạch - Tài chính",
                "Phòng Tổ chức cán bộ",
                "Phòng Giáo dục Trung học",
            ),
        ),
    ],
)
def test_a_prefix_list_spreads_its_head(
    catalog: UnitCatalog, cell: str, units: tuple[str, ...]
) -> None:
    assert catalog.parse_cell(cell) == units


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
        ("Sở GDĐT", "Sở Giáo dục và Đào tạo"),
        ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở VHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("Phòng KT&KĐCLGD", "Phòng Khảo thí và Kiểm định chất lượng giáo dục"),
        ("Phòng GDNN-GDTX", "Phòng Giáo dục nghề nghiệp - Giáo dục thường xuyên"),
    ],
)
def test_abbreviations_resolve_to_one_name(catalog: UnitCatalog, spelling: str, name: str) -> None:
    assert catalog.canonical(spelling) == name
    assert catalog.canonical(name) == name
    assert catalog.parse_cell(f"{spelling}, Ban ISO") == (name, BAN_ISO)


def test_an_abbreviation_reaches_a_configured_unit(configured: UnitCatalog) -> None:
    assert configured.parse_cell("Phòng GDTrH; VP Sở") == ("Phòng Giáo dục Trung học", OFFICE)


def test_config_aliases_and_short_names_resolve() -> None:
    catalog = UnitCatalog(
        aliases={"Phòng KHTC": "Phòng Kế hoạch - Tài chính"},
        short={"Phòng Kế hoạch - Tài chính": "P. KH-TC"},
    )
    assert catalog.canonical("phòng KHTC") == "Phòng Kế hoạch - Tài chính"
    assert catalog.canonical("P. KH-TC") == "Phòng Kế hoạch - Tài chính"
    assert catalog.short_name("Phòng KH-TC") == "P. KH-TC"
    assert catalog.short_name(BAN_ISO) == BAN_ISO
    assert catalog.parse_cell("Phòng KHTC và Ban ISO") == ("Phòng Kế hoạch - Tài chính", BAN_ISO)


def test_old_and_new_tone_marks_are_one_unit(catalog: UnitCatalog) -> None:
    assert unit_key("Uỷ ban nhân dân tỉnh") == unit_key("Ủy ban nhân dân tỉnh")
    assert unit_key("Sở Văn hoá, Thể thao và Du lịch") == unit_key(
        "Sở Văn hóa, Thể thao và Du lịch"
    )


def test_collective_and_unknown_names_are_reported_for_warnings(
    configured: UnitCatalog,
) -> None:
    found = configured.read_cell("Phòng Giáo dục Trung học, Bộ Công an và các bộ, ngành liên quan")
    assert found.names == ("Phòng Giáo dục Trung học", "Bộ Công an", "Các bộ, ngành liên quan")
    assert found.unknown == ("Bộ Công an",)
    assert found.collective == ("Các bộ, ngành liên quan",)
    # A known group is never "collective without members": it is the Office's own name.
    assert configured.read_cell("Các phòng thuộc Sở").collective == ()
    assert configured.read_cell(DISTRICT_OFFICES).collective == ()


def test_the_closest_known_unit_is_named(configured: UnitCatalog) -> None:
    assert configured.closest("Phòng Giáo dục Trung hoc") == "Phòng Giáo dục Trung học"
    assert configured.closest("Bộ Quốc phòng") is None


def test_the_rules_are_data_a_maintainer_extends() -> None:
    assert "Kho bạc" in unit_rules.HEAD_WORDS
    assert unit_rules.ABBREVIATIONS["KH&CN"] == "Khoa học và Công nghệ"
    assert "thúc đẩy" in unit_rules.ROLE_WORDS
    assert "Cục" in unit_rules.LIST_HEADS


def test_a_huge_cell_is_read_in_bounded_time(catalog: UnitCatalog) -> None:
    names = catalog.parse_cell("Sở Tài chính, " * 50_000)
    assert names == ("Sở Tài chính",)
