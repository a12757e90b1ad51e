"""What a warm kernel keeps between district reports: the wave's frames (read from Parquet once per
process) and the pooled group's tables (computed once per wave). Neither may change any result:
each load hands out copies, a re-prepared wave is read again, and the pooled tables are recomputed
for different rows or a different codebook."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from analysis import clean, config, stats


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("processed")
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=folder)
    return folder


def load(processed):
    return clean.load_wave(config.DEFAULT_WAVE, processed)


def test_each_load_is_a_copy_that_a_notebook_may_change(processed):
    first = load(processed)
    district = first.districts[0]
    first.frames["worker"].loc[:, "gender"] = 9          # a notebook changing its data in place
    first.frames["resident"].drop(first.frames["resident"].index, inplace=True)
    first.flow.loc[:, "valid"] = 0
    second = load(processed)
    assert second.frames["worker"]["gender"].isin([1, 2]).all()
    assert len(second.frames["resident"]) > 0 and second.flow["valid"].sum() > 0
    on_disk = pd.read_parquet(processed / config.DEFAULT_WAVE / "worker.parquet")
    pd.testing.assert_frame_equal(second.frames["worker"], on_disk)
    assert district in second.districts


def test_a_reprepared_wave_is_read_again(processed, tmp_path):
    import shutil

    folder = tmp_path / "p"
    shutil.copytree(processed, folder)
    before = load(folder)
    wave_dir = folder / config.DEFAULT_WAVE
    df = pd.read_parquet(wave_dir / "worker.parquet")
    df.head(10).to_parquet(wave_dir / "worker.parquet")             # the file changed under us
    manifest = json.loads((wave_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["note"] = "edited"
    (wave_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    after = load(folder)
    assert len(before.frames["worker"]) == len(df) and len(after.frames["worker"]) == 10
    assert after.manifest["note"] == "edited"


def test_logs_are_read_when_used_and_equal_the_files(processed):
    w = load(processed)
    wave_dir = processed / config.DEFAULT_WAVE
    pd.testing.assert_frame_equal(w.changes, pd.read_parquet(wave_dir / "changes.parquet"))
    pd.testing.assert_frame_equal(w.exclusions, pd.read_parquet(wave_dir / "exclusions.parquet"))
    assert len(w.exclusions) > 0 and len(w.changes) > 0


def _fresh(S_fn):
    stats.district._POOLED.clear()
    stats.district._WAVES.clear()
    return S_fn()


def test_cached_pooled_tables_give_the_same_report_as_computed_afresh(processed):
    w = load(processed)
    districts = w.districts[:3]
    fresh = {d: _fresh(lambda d=d: stats.district_stats(w, d)) for d in districts}
    stats.district._POOLED.clear()
    stats.district._WAVES.clear()
    for d in districts:                       # one after another, as in a warm kernel
        pd.testing.assert_frame_equal(stats.district_stats(load(processed), d), fresh[d])
    # the wave's one decision (stats.district.wave_stats) is computed once for the wave and reused by
    # every later report; it made the pooled tables once per questionnaire
    assert len(stats.district._WAVES) == 1
    assert len(stats.district._POOLED) == len(w.frames)


def test_other_rows_or_another_codebook_get_their_own_pooled_tables(processed):
    w = load(processed)
    district = w.districts[0]
    pooled = config.POOLED_GROUP
    full = stats.district_stats(w, district)
    # a notebook keeps only the women: the pooled group is the women, not the cached whole wave
    women = load(processed)
    women.frames["worker"] = women.frames["worker"][women.frames["worker"]["gender"] == 2]
    S = stats.district_stats(women, district)
    n_pooled = S[(S["group"] == pooled) & (S["table"] == "worker_composition")
                 & (S["variable"] == "gender")]["base"].iloc[0]
    assert n_pooled == len(women.frames["worker"]) < len(w.frames["worker"])
    # a codebook whose labels were edited: the pooled rows carry the new label
    book = w.codebooks["worker"]
    var = book.variables["gender"]
    relabelled = dataclasses.replace(var, label="性别（改）")
    edited = load(processed)
    edited.codebooks["worker"] = dataclasses.replace(book, variables={**book.variables, "gender": relabelled})
    S2 = stats.district_stats(edited, district)
    def label(S):
        return set(S[(S["group"] == pooled) & (S["table"] == "worker_composition")
                     & (S["variable"] == "gender")]["variable_label"])

    assert label(S2) == {"性别（改）"} and label(full) == {var.label}
