"""Nothing leaks and nothing typed by a respondent acts as code or as a path.

1. ``safenames.folder_name``: every district name becomes a folder name that is safe on Linux,
   macOS and Windows, stable, and distinct from every other district's (also ignoring case).
2. A wave whose district names and answers are hostile (``../../etc``, ``桥/东区``, ``<script>``,
   ``=HYPERLINK(…)``, ``CON``) through the real `survey build`: each report lands in its own folder
   inside reports/<wave>/, the overview links resolve, HTML shows the text as text, and no
   spreadsheet cell of tables.xlsx is a formula.
3. The bundled sample's planted names, phone numbers, ID numbers and IP addresses appear in no file
   of data/processed/ or reports/ (Parquet decoded, .docx/.xlsx unzipped, notebooks and JSON parsed,
   PNG text chunks read), and the scanner demonstrably finds one put into any of those forms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pii_scan
from analysis import clean, cli, config
from analysis.safenames import HASH_CHARS, folder_name, folder_names
from hostile_corpus import FORMULA, HOSTILE_DISTRICTS, SCRIPT

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def assert_safe(folder: str) -> None:
    """What every operating system accepts as one ordinary, visible folder name."""
    assert folder and folder not in (".", "..")
    assert not folder.startswith((".", "_", " ")) and not folder.endswith((".", " "))
    assert not (set(folder) & WINDOWS_FORBIDDEN), folder
    assert all(ord(c) >= 32 and c.isprintable() for c in folder), repr(folder)
    assert folder.split(".")[0].upper() not in WINDOWS_DEVICES
    assert len(folder.encode("utf-8")) <= 255
    assert folder.lower() != "index.html"


@pytest.mark.parametrize("name", ["桥东区", "裕华区", "新华 区", "高新技术产业开发区", "abc区", "桥_东区", "！！！", "2026年新区"])
def test_safe_names_are_kept_as_they_are(name):
    assert folder_name(name) == name


UNSAFE = [d for d in HOSTILE_DISTRICTS if d not in ("新华 区", "！！！")]   # those two are safe as they are


@pytest.mark.parametrize("name", UNSAFE + [FORMULA, SCRIPT, "ABC区", "index.html", "_logs", "_failed",
                                                     "x" * 300, "桥" * 120, "长安区 ", "NUL.", "com1.txt",
                                                     "桥东区~1", "\u202e区东桥", "", " ", "\ud800区"])
def test_hostile_names_become_safe_and_say_where_they_came_from(name, tmp_path):
    folder = folder_name(name)
    assert_safe(folder)
    assert folder != name
    # changed names end in ~ and 10 hex digits of the name's SHA-256: stable and traceable
    import hashlib

    tag = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    assert folder.endswith(f"~{tag}")
    # it is one folder directly inside the parent, whatever the name tried
    made = tmp_path / folder
    made.mkdir()
    assert made.resolve().parent == tmp_path.resolve() and [p.name for p in tmp_path.iterdir()] == [folder]


def test_chinese_is_kept_in_a_changed_name():
    assert folder_name("桥/东区").startswith("桥_东区~")
    assert folder_name("../../桥东区").startswith("桥东区~")


def test_names_that_would_meet_get_distinct_folders():
    """Pairs an ad-hoc sanitiser maps to one folder: / and _ , a trailing dot, case, the suffix itself."""
    names = ["桥/东区", "桥_东区", "桥\\东区", "桥:东区", "长安区", "长安区.", "长安区 ", ".长安区", "ABC区", "abc区",
             "Abc区", "桥东区~1", "桥东区_1", "..", "...", "_", "", "CON", "con", "aux.txt", "aux_txt"]
    folders = folder_names(names)
    assert len({f.casefold() for f in folders.values()}) == len(names)


@settings(max_examples=int(os.environ.get("SURVEY_FUZZ_EXAMPLES", 300)), deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_two_names_get_distinct_safe_folders(a, b):
    fa, fb = folder_name(a), folder_name(b)
    assert_safe(fa)
    assert fa == folder_name(a)                                   # stable
    if a != b:
        assert fa.casefold() != fb.casefold(), (a, b, fa)


# ── a wave with hostile names and answers, through `survey build` ──────────────────────────────

HOSTILE_BUILD = ["../../etc", "桥/东区", "<script>alert(1)</script>区", FORMULA, "CON"]


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, books):
    from conftest import wjx_frame

    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw" / "w"
    raw.mkdir(parents=True)
    rng_edu = ["本科", "大专", "硕士研究生及以上", "高中/中专"]
    workers, residents = [], []
    for d in HOSTILE_BUILD:
        workers += [{"district": d, "gender": "男女"[i % 2], "age": str(28 + i), "edu": rng_edu[i % 4],
                     "post": "社区两委委员", "employment": "专职兼职"[2 * (i % 2):2 * (i % 2) + 2],
                     "community": FORMULA, "street": SCRIPT, "sat_pay": "满意"} for i in range(12)]
        residents += [{"district": d, "gender": "男女"[i % 2], "age": str(30 + i), "sat_overall": "满意",
                       "sat_service": "比较满意", "suggestion": SCRIPT + FORMULA, "community": SCRIPT}
                      for i in range(12)]
    wjx_frame(books["worker"], workers).to_csv(raw / "workers.csv", index=False)
    wjx_frame(books["resident"], residents).to_csv(raw / "residents.csv", index=False)
    code = cli.main(["build", "--wave", "w", "--raw-dir", str(root / "raw"), "--processed-dir",
                     str(root / "processed"), "--reports-dir", str(root / "reports"), "--quiet"])
    return {"code": code, "root": root, "wave": root / "reports" / "w"}


def test_hostile_build_succeeds_and_every_report_is_in_its_own_folder(hostile_build):
    assert hostile_build["code"] == 0
    wave = hostile_build["wave"]
    for district in HOSTILE_BUILD:
        folder = wave / folder_name(district)
        assert (folder / "report.html").is_file() and (folder / "stats.json").is_file(), district
        meta = json.loads((folder / "stats.json").read_text(encoding="utf-8"))["meta"]
        assert meta["district"] == district
    # nothing escaped the reports folder: no etc/ beside it, no file outside reports/<wave>/
    root = hostile_build["root"]
    assert sorted(p.name for p in root.iterdir()) == ["processed", "raw", "reports"]
    assert sorted(p.name for p in (root / "reports").iterdir()) == [".w.lock", "w"]   # and the wave's run lock
    districts = sorted(p.name for p in wave.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert districts == sorted(folder_name(d) for d in HOSTILE_BUILD)


def test_overview_links_resolve_and_names_are_text(hostile_build):
    index = hostile_build["wave"] / "index.html"
    page = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', page)
    assert len(links) >= len(HOSTILE_BUILD)
    for link in links:
        target = (index.parent / unquote(link)).resolve()
        assert target.is_file() and index.parent.resolve() in target.parents, link
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;区" in page


@pytest.mark.parametrize("district", HOSTILE_BUILD)
def test_report_html_shows_hostile_text_as_text(hostile_build, district):
    import html

    page = (hostile_build["wave"] / folder_name(district) / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    # the name is shown, as text (quotes may be written as &quot;: a browser shows them as quotes)
    assert html.escape(district, quote=False) in page or html.escape(district) in page


@pytest.mark.parametrize("district", HOSTILE_BUILD)
def test_no_spreadsheet_cell_is_a_formula(hostile_build, district):
    """Every cell of tables.xlsx is a value: no formula, no text Excel would run as one (=, +, -, @ first)."""
    import openpyxl

    path = hostile_build["wave"] / folder_name(district) / "tables.xlsx"
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t[:1] in "=+@" or (t[:1] == "-" and not re.fullmatch(r"-[\d.]+%?", t))]
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets and "<f " not in sheets
    if district == FORMULA:      # the name itself is shown, as text
        assert any("HYPERLINK" in t for t in texts)


# ── personal data: the sample's planted PII in no output ────────────────────────────────────────

def _outputs(built) -> list[Path]:
    files = [p for root in (built["processed"], built["reports"]) for p in root.rglob("*") if p.is_file()]
    return sorted(files)


def test_no_planted_pii_in_any_output(built, planted):
    needles = pii_scan.needles(planted)
    assert len(needles) > 2000                          # names, phones, IDs and IPs of every district
    files = _outputs(built)
    kinds = {p.suffix.lower() for p in files}
    assert {".parquet", ".docx", ".xlsx", ".ipynb", ".html", ".svg", ".png", ".json"} <= kinds, kinds
    assert pii_scan.find(files, needles) == {}


@pytest.fixture(scope="module")
def pii_examples(planted):
    pii = sorted(planted.planted_pii)
    name = next(v for v in pii if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", v))
    phone = next(v for v in pii if re.fullmatch(r"1\d{10}", v))
    ident = next(v for v in pii if len(v) == 18)
    ip = sorted(pii_scan.needles(planted) - set(pii))[0]
    return {"name": name, "phone": phone, "id": ident, "ip": ip}


def _plant(path: Path, value: str) -> None:
    """Put ``value`` into an output file the way a leak would put it there."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pandas as pd

        df = pd.read_parquet(path)
        df["备注"] = value
        df.to_parquet(path, index=False)
    elif suffix == ".docx":
        import docx

        d = docx.Document(path)
        d.tables[0].rows[-1].cells[0].text = f"联系人 {value}"
        d.save(path)
    elif suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        wb.worksheets[-1]["A1"] = value
        wb.save(path)
    elif suffix == ".png":
        from PIL import Image, PngImagePlugin

        img = Image.open(path)
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Author", value, zip=True)
        img.save(path, pnginfo=info)
    elif suffix in (".ipynb", ".json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.setdefault("meta" if suffix == ".json" else "metadata", {})["x"] = value
        path.write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")   # \\u-escaped
    else:
        text = path.read_text(encoding="utf-8")         # first character as an entity: &#49;3800…
        path.write_text(text.replace("</", f"&#{ord(value[0])};{value[1:]}</", 1), encoding="utf-8")


@pytest.mark.parametrize("kind", ["name", "phone", "id", "ip"])
@pytest.mark.parametrize("pattern", ["data/processed/worker.parquet", "桥东区/report.docx", "桥东区/tables.xlsx",
                                     "桥东区/figures/*.png", "桥东区/report.ipynb", "桥东区/stats.json",
                                     "桥东区/report.html", "桥东区/figures/*.svg", "index.html"])
def test_the_scan_finds_a_planted_value(built, pii_examples, tmp_path, kind, pattern):
    """Negative control: the same scan finds each kind of PII once it is in any kind of output."""
    if pattern.startswith("data/processed/"):
        source = built["processed"] / config.DEFAULT_WAVE / pattern.split("/")[-1]
    else:
        source = sorted(built["reports"].glob(pattern))[0]
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    assert pii_scan.find([copy], set(pii_examples.values())) == {}
    _plant(copy, pii_examples[kind])
    assert pii_scan.find([copy], set(pii_examples.values())) == {str(copy): {pii_examples[kind]}}


def test_processed_data_has_no_pii_columns(built):
    w = clean.load_wave(config.DEFAULT_WAVE, built["processed"])
    for instrument, df in w.frames.items():
        book = w.codebooks[instrument]
        hidden = {n for n, v in book.variables.items() if v.pii or v.private}
        assert not hidden & set(df.columns), (instrument, hidden & set(df.columns))
