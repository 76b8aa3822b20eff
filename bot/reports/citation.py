"""How a report names the document it answers: "Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022 về …".

Agencies follow Kế hoạch, Quyết định, Thông báo… alike, so the kind of document is read from its
number's type code (the abbreviations of Nghị định 30/2020, Phụ lục III) rather than assumed:
a report on Thông báo 624/TB-VPCP must not call it a Kế hoạch. Nothing here knows plan 187.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from bot.i18n import N_, Translator, chat_date, document_date

# Type codes of Nghị định 30/2020 (Phụ lục III) for the documents plans arrive as. A number
# without one of these (a Công văn: "1234/SGDĐT-VP") is cited as "Văn bản".
_KINDS = {
    "KH": N_("Plan"),
    "QĐ": N_("Decision"),
    "CT": N_("Directive"),
    "CTR": N_("Programme"),
    "TB": N_("Notice"),
    "HD": N_("Guidance"),
    "NQ": N_("Resolution"),
    "ĐA": N_("Scheme"),
    "PA": N_("Arrangement"),
    "KL": N_("Conclusion"),
}
_DOCUMENT = N_("Document")


def document_kind(number: str, tr: Translator) -> str:
    """`187/KH-SGDĐT` → `Kế hoạch`, `2530/QĐ-TTg` → `Quyết định`, anything else `Văn bản`."""
    _, slash, rest = unicodedata.normalize("NFC", number).partition("/")
    code = rest.split("-", 1)[0].strip().upper() if slash else ""
    return tr.gettext(_KINDS.get(code, _DOCUMENT))


def report_number(code: str) -> str:
    """The number after the blank the Office fills: `/BC-SGDĐT`, or `/BC` with no code."""
    code = code.strip()
    return f"/BC-{code}" if code else "/BC"


def cited_document(number: str, issued: date | None, tr: Translator) -> str:
    """`Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022`, the way a trích yếu cites a document."""
    cited = tr.gettext("{kind} No. {number}", kind=document_kind(number, tr), number=number)
    if issued is None:
        return cited
    return tr.gettext("{document} of {date}", document=cited, date=chat_date(issued))


def cited_document_in_text(number: str, issued: date | None, tr: Translator) -> str:
    """`Kế hoạch số 187/KH-SGDĐT ngày 07 tháng 02 năm 2022`: the decree's form in a sentence."""
    cited = tr.gettext("{kind} No. {number}", kind=document_kind(number, tr), number=number)
    return f"{cited} {document_date(issued)}" if issued is not None else cited


def about(title: str) -> str:
    """The plan's title as it reads after "về": first letter lowered unless it starts a name.

    "Duy trì áp dụng…" → "duy trì áp dụng…"; "Hưng Yên …", "TCVN …" stay, since a second
    capitalised word (or a word in capitals) means a proper name or an acronym.
    """
    title = " ".join(title.split())
    words = title.split(" ")
    if not title or (len(words[0]) > 1 and words[0][1:2].isupper()):
        return title
    if len(words) > 1 and words[1][:1].isupper():
        return title
    return title[:1].lower() + title[1:]


def cited_with_title(number: str, issued: date | None, title: str, tr: Translator) -> str:
    """`Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022 về duy trì…`: the plan named in full."""
    cited = cited_document(number, issued, tr)
    title = " ".join(title.split()).rstrip(".")
    if not title:
        return cited
    if title.lower().startswith(("về ", "v/v")):
        # The title already says what it is about ("Về việc…"): no second "về".
        return f"{cited} {title[:1].lower()}{title[1:]}"
    return tr.gettext("{document} on {title}", document=cited, title=about(title))


def report_subject(number: str, issued: date | None, title: str, tr: Translator) -> str:
    """The trích yếu under "BÁO CÁO", built from the plan's own number, date and title."""
    return tr.gettext(
        "Results of carrying out {document}",
        document=cited_with_title(number, issued, title, tr),
    )
