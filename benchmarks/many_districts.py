"""Synthetic waves with many districts, for the benchmarks (not used by the package or the tests).

``make_raw(out_dir, wave, n_districts, n_responses)`` writes 问卷星-style CSV exports of the
社区工作者问卷 and the 居民问卷 for ``n_districts`` districts named 合成区0001, 合成区0002, …: it
generates the bundled 5-district sample (``analysis.sample.synth.make_sample``), reads its exports with
the project's own reader, and gives each new district the rows of one template district (cycling
through them), under the new district name, so the files carry the same mess the sample does and
the cleaner does the same work on them. With ``n_responses`` each district gets a random subset of
its template's rows (without replacement, so no artificial duplicate submissions) adding up to
about that many responses; without, a full copy. The 社区组织基本情况统计表 is not written: the
district report does not need it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.clean import map_columns
from analysis.clean.wave import identify
from analysis.read import ingest
from analysis.sample import synth
from analysis.spec import codebook as cb


def district_name(i: int, n: int) -> str:
    return f"合成区{i + 1:0{max(2, len(str(n)))}d}"


def _templates(seed: int) -> dict[str, dict[str, tuple[pd.DataFrame, str]]]:
    """district → instrument → (raw text frame, header of the district question)."""
    books = cb.load_all(config.CODEBOOK_DIR)
    known = {k for b in books.values() for k in b.header_map()}
    out: dict[str, dict[str, tuple[pd.DataFrame, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = synth.make_sample(Path(tmp), wave="2026", seed=seed).folder
        for path in ingest.discover(folder):
            table = ingest.read(path, known)
            book = identify(table, books)
            if book.instrument not in ("worker", "resident"):
                continue
            mapping = map_columns(table, book).columns
            header = next(h for h, v in mapping.items() if v == book.role("district"))
            district = table.frame[header].dropna().iloc[0]
            out.setdefault(district, {})[book.instrument] = (table.frame, header)
    return out


def make_raw(out_dir: Path, wave: str, n_districts: int, n_responses: int | None = None,
             seed: int = synth.DEFAULT_SEED) -> dict:
    """Write the exports into ``out_dir/wave`` and return counts {districts, files, responses}."""
    folder = Path(out_dir) / wave
    folder.mkdir(parents=True, exist_ok=True)
    templates = _templates(seed)
    names = sorted(templates)
    if n_responses:      # templates big enough to give each district its share
        share = n_responses / n_districts
        names = [d for d in names if sum(len(f) for f, _ in templates[d].values()) >= share] or names
    rng = np.random.default_rng(seed)
    files = responses = 0
    for i in range(n_districts):
        name = district_name(i, n_districts)
        template = templates[names[i % len(names)]]
        total = sum(len(f) for f, _ in template.values())
        for instrument, (frame, header) in sorted(template.items()):
            rows = frame
            if n_responses:
                k = min(len(frame), round(len(frame) * (n_responses / n_districts) / total))
                rows = frame.iloc[np.sort(rng.choice(len(frame), size=k, replace=False))]
            rows = rows.copy()
            rows[header] = name
            if "序号" in rows:
                rows["序号"] = [str(j) for j in range(1, len(rows) + 1)]
            title = "社区工作者问卷" if instrument == "worker" else "居民问卷"
            path = folder / f"{900000000 + i}_按文本_{name}{title}_{len(rows)}_{len(rows)}.csv"
            rows.to_csv(path, index=False, encoding="utf-8-sig")
            files += 1
            responses += len(rows)
    (folder / "wave.yaml").write_text(
        "title: 合成的多区县批次（基准测试用）\nsynthetic: true\n"
        "note: 由 benchmarks/many_districts.py 从示例数据复制生成，仅用于测速。\n", encoding="utf-8")
    return {"districts": n_districts, "files": files, "responses": responses}


if __name__ == "__main__":          # python benchmarks/many_districts.py OUT_DIR N [RESPONSES]
    import sys

    print(make_raw(Path(sys.argv[1]), "2026", int(sys.argv[2]),
                   int(sys.argv[3]) if len(sys.argv) > 3 else None))
