"""A scanner for personal data in output files, used by the leak tests.

``texts(path)`` gives every piece of text a file holds as a reader or a program would see it:
Parquet decoded (values, column names, schema metadata), .docx/.xlsx unzipped (every XML part,
entities decoded), .ipynb/.json parsed (every string, also the base64 images inside, whose PNG
text chunks are read), .html/.svg with entities decoded and their data-URI images, PNG text chunks
(tEXt/iTXt/zTXt: matplotlib writes its metadata there), anything else as UTF-8 text.

``find(paths, needles)`` reports each needle found, with the file. Matching is by tokens, so
thousands of needles scan megabytes quickly: digit runs (phone numbers, ID numbers, also with
an ``X`` check character), dotted quads (IP addresses) and runs of CJK characters (names) are cut
into windows of each needle length and looked up in a set.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s\\n]+)")
_DIGITS = re.compile(r"\d[\dXx]*")
_QUAD = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _png_text(data: bytes) -> str:
    from PIL import Image

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception:       # not a PNG after all: nothing to read
        return ""
    info = {**img.info, **getattr(img, "text", {})}
    return "\n".join(f"{k}={v}" for k, v in info.items() if isinstance(v, (str, bytes)))


def _strings(obj) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif obj is not None:
        yield str(obj)


def _with_images(text: str) -> Iterator[str]:
    yield text
    for m in _DATA_URI.finditer(text):
        raw = re.sub(r"\s|\\n", "", m.group(1))
        try:
            yield _png_text(base64.b64decode(raw))
        except ValueError:
            continue


def texts(path: Path) -> Iterator[str]:
    """Every text a file holds, decoded (see the module's docstring)."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        yield "\n".join(table.column_names)
        yield "\n".join(f"{k!r}={v!r}" for k, v in (table.schema.metadata or {}).items())
        for column in table.columns:
            yield "\n".join(str(v) for v in column.to_pylist())
    elif suffix in (".docx", ".xlsx", ".xlsm", ".pptx") or data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                part = z.read(name)
                yield name
                if name.lower().endswith(".png"):
                    yield _png_text(part)
                else:
                    yield html.unescape(part.decode("utf-8", "replace"))
    elif suffix in (".json", ".ipynb"):
        doc = json.loads(data.decode("utf-8"))
        for s in _strings(doc):
            yield from _with_images(s)
            if s.startswith("iVBORw0KGgo"):                  # a notebook's image/png output
                yield _png_text(base64.b64decode(s))
    elif suffix == ".png":
        yield _png_text(data)
        yield data.decode("latin-1")
    else:
        yield from _with_images(html.unescape(data.decode("utf-8", "replace")))


def _windows(run: str, lengths: set[int]) -> Iterator[str]:
    for n in lengths:
        for i in range(len(run) - n + 1):
            yield run[i:i + n]


def find_in_text(text: str, needles: set[str]) -> set[str]:
    """The needles that occur in ``text`` (see the module's docstring for how)."""
    digit = {n for n in needles if re.fullmatch(r"\d[\dX]*", n)}
    quads = {n for n in needles if _QUAD.fullmatch(n)}
    cjk = {n for n in needles if _CJK.fullmatch(n)}
    other = needles - digit - quads - cjk
    hits: set[str] = set()
    if digit:
        lengths = {len(n) for n in digit}
        for m in _DIGITS.finditer(text):
            if len(m.group()) >= min(lengths):
                hits |= digit & set(_windows(m.group().upper(), lengths))
    if quads:
        hits |= quads & set(_QUAD.findall(text))
    if cjk:
        lengths = {len(n) for n in cjk}
        for m in _CJK.finditer(text):
            hits |= cjk & set(_windows(m.group(), lengths))
    hits |= {n for n in other if n in text}
    return hits


def find(paths: Iterable[Path], needles: set[str]) -> dict[str, set[str]]:
    """file → the needles found in it (only files with a finding). A file's texts are joined by a
    line break, which no needle contains, so nothing is found across two of them."""
    out: dict[str, set[str]] = {}
    for path in paths:
        found = find_in_text("\n".join(texts(path)), needles)
        if found:
            out[str(path)] = found
    return out


def needles(manifest) -> set[str]:
    """Every planted name, phone number, ID number and IP address of a synth.SampleManifest."""
    ips = {ip.split("(")[0].strip() for ip in manifest.planted_ips}
    return set(manifest.planted_pii) | ips


def find_everywhere(folders: Iterable[Path], needles: set[str], terminal: str = "") -> dict[str, set[str]]:
    """``find`` over every file under ``folders`` (data/processed/, reports/ …) and, as
    ``<terminal>``, the text a command printed."""
    files = sorted(p for folder in folders for p in Path(folder).rglob("*") if p.is_file())
    out = find(files, needles)
    on_terminal = find_in_text(terminal, needles)
    if on_terminal:
        out["<terminal>"] = on_terminal
    return out
