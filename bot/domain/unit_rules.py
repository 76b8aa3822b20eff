"""The words that tell where one unit ends and the next begins, as data to extend.

Vietnamese unit names hold commas and "và" (`Sở Văn hóa, Thể thao và Du lịch`, `Bộ Khoa học và
Công nghệ`), so a unit cell cannot be cut at every comma. It is cut only where what follows
starts a new unit: one of the head words below, written with its capital, or a name the catalog
knows (DESIGN: Units in a cell). A maintainer meeting a new kind of unit adds its head word here;
the algorithm in `units.py` does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Words a unit's name begins with, as written (capitalised). Longer ones are tried first.
HEAD_WORDS: tuple[str, ...] = (
    "Sở",
    "Ban",
    "Phòng",
    "Văn phòng",
    "UBND",
    "Ủy ban",
    "Uỷ ban",
    "Thanh tra",
    "Tổng Thanh tra",
    "Trung tâm",
    "Trường",
    "Cục",
    "Tổng cục",
    "Chi cục",
    "Vụ",
    "Viện",
    "Học viện",
    "Đại học",
    "Bộ",
    "Bộ Chỉ huy",
    "Công an",
    "Báo",
    "Đài",
    "Hội",
    "Hiệp hội",
    "Liên đoàn",
    "Liên hiệp",
    "Đoàn",
    "Tỉnh đoàn",
    "Thành đoàn",
    "Bảo hiểm",
    "Kho bạc",
    "Ngân hàng",
    "Quỹ",
    "Tòa án",
    "Toà án",
    "Viện kiểm sát",
    "Thông tấn xã",
    "Mặt trận",
    "Tập đoàn",
    "Tổng công ty",
    "Lãnh đạo",
    "Các",
    "Các đơn vị",
    "HĐND",
    "Hội đồng",
)

#: Lower-case starts that also open a new unit after a separator: `Bộ Xây dựng, các địa phương`.
LOWER_STARTS: tuple[str, ...] = ("các",)

#: Abbreviations as agencies write them, and the words they stand for. Matched as whole words;
#: `[units.aliases]` in the config adds whole names on top of these.
ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "GDĐT": "Giáo dục và Đào tạo",
        "GD&ĐT": "Giáo dục và Đào tạo",
        "GD-ĐT": "Giáo dục và Đào tạo",
        "KH&CN": "Khoa học và Công nghệ",
        "KHCN": "Khoa học và Công nghệ",
        "KH&ĐT": "Kế hoạch và Đầu tư",
        "TN&MT": "Tài nguyên và Môi trường",
        "TNMT": "Tài nguyên và Môi trường",
        "NN&PTNT": "Nông nghiệp và Phát triển nông thôn",
        "NN&MT": "Nông nghiệp và Môi trường",
        "TT&TT": "Thông tin và Truyền thông",
        "LĐ-TB&XH": "Lao động - Thương binh và Xã hội",
        "LĐTBXH": "Lao động - Thương binh và Xã hội",
        "VH-TT&DL": "Văn hóa, Thể thao và Du lịch",
        "VHTTDL": "Văn hóa, Thể thao và Du lịch",
        "VH,TT&DL": "Văn hóa, Thể thao và Du lịch",
        "UBND": "Ủy ban nhân dân",
        "HĐND": "Hội đồng nhân dân",
        "VP": "Văn phòng",
        "TP": "thành phố",
        "TX": "thị xã",
        # The Sở GDĐT's own departments (DESIGN: Units in a cell).
        "GDMN": "Giáo dục Mầm non",
        "GDTH": "Giáo dục Tiểu học",
        "GDTrH": "Giáo dục Trung học",
        "KH-TC": "Kế hoạch - Tài chính",
        "TCCB": "Tổ chức cán bộ",
        "GDNN-GDTX": "Giáo dục nghề nghiệp - Giáo dục thường xuyên",
        "KT&KĐCLGD": "Khảo thí và Kiểm định chất lượng giáo dục",
    }
)

#: Lower-case words after a unit's name that start what it is to do, not who it is:
#: `Sở Khoa học và Công nghệ thúc đẩy, theo dõi…` is `Sở Khoa học và Công nghệ`.
ROLE_WORDS: tuple[str, ...] = (
    "chủ trì",
    "phối hợp",
    "thực hiện",
    "thúc đẩy",
    "theo dõi",
    "hướng dẫn",
    "tổng hợp",
    "báo cáo",
    "triển khai",
    "với các",
    "với",
)

#: A name holding one of these (as a whole word, lower case) stands for many units: `Các bộ,
#: ngành`, `UBND các tỉnh/thành phố`, `Bộ, ngành có liên quan`.
COLLECTIVE_MARKERS: tuple[str, ...] = (
    "các",
    "những",
    "liên quan",
    "bộ, ngành",
)

#: Heads of a prefix list (`Các Cục: Di sản văn hóa, Bản quyền tác giả`), each spread over the
#: names after the colon: `Cục Di sản văn hóa`, `Cục Bản quyền tác giả`.
LIST_HEADS: tuple[str, ...] = (
    "Sở",
    "Ban",
    "Phòng",
    "Cục",
    "Chi cục",
    "Vụ",
    "Viện",
    "Bộ",
    "Trường",
    "Trung tâm",
    "Tổng cục",
)
