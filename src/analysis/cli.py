"""The ``survey`` command: prepare data, build reports, make the sample.

Bad input ends with one clear Chinese message and exit code 2, never a traceback; a district that
fails does not stop the others, and the command exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import traceback
from pathlib import Path

from analysis import config, fileio
from analysis.errors import SurveyError
from analysis.textnorm import display_width, pad

EPILOG = """常用流程：
  survey build                  清洗 data/raw/2026/ 的全部问卷，并为每个区县生成报告
  survey prepare --wave 2026    只清洗数据，写入 data/processed/2026/
  survey report -d 桥东区        只为指定区县生成报告（可重复 -d）；没变的区县自动跳过，--force 全部重做
  survey report --dask-scheduler tcp://主机:8786   在 Dask 集群上生成
  survey make-sample            重新生成自带的示例数据（合成数据）
  survey codebook draft 文件…   从导出文件（或按文本+按序号两个文件）起草编码手册（YAML），可直接运行

新增区县：把它的问卷导出文件放进 data/raw/<批次>/，再运行 survey build，不需要改代码。
输出：reports/<批次>/index.html 为总览页，reports/<批次>/<区县>/ 下有 report.docx、report.html、
report.ipynb、figures/（PNG 300dpi 与 SVG）、tables.xlsx、stats.json。"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="survey", description="社区调研问卷：数据清洗、统计与分区县报告。",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="命令", required=True)

    def paths(sp: argparse.ArgumentParser, *, raw=True, reports=True):
        sp.add_argument("--wave", default=config.DEFAULT_WAVE,
                        help=f"调查批次，即 data/raw/ 下的文件夹名（默认 {config.DEFAULT_WAVE}）")
        if raw:
            sp.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="原始数据文件夹（只读）")
        sp.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR, help="清洗后数据文件夹")
        sp.add_argument("--codebooks", type=Path, default=config.CODEBOOK_DIR, help="编码手册文件夹")
        if reports:
            sp.add_argument("--reports-dir", type=Path, default=config.REPORTS_DIR, help="报告输出文件夹")

    def run_opts(sp: argparse.ArgumentParser):
        which = sp.add_mutually_exclusive_group()
        which.add_argument("-d", "--district", action="append", default=None,
                           help="只生成这个区县的报告，可重复（-d 桥东区 -d 桥西区）")
        which.add_argument("--all", action="store_true", help="全部区县（默认）")
        sp.add_argument("-j", "--jobs", type=int, default=None,
                        help="同时运行的内核数，即同时生成的区县数（默认等于 CPU 核数）")
        sp.add_argument("--force", action="store_true",
                        help="全部重新生成；默认跳过数据、编码手册、笔记本和程序版本都没变的区县")
        sp.add_argument("--dask-scheduler", metavar="地址", default=None,
                        help="把区县分发到已启动的 Dask 集群运行，如 tcp://10.0.0.5:8786（见 README）")
        sp.add_argument("--quiet", action="store_true", help="不显示进度条")

    sp = sub.add_parser("prepare", help="清洗：读取问卷导出文件，写出有效样本、剔除记录和修改记录")
    paths(sp, reports=False)
    sp = sub.add_parser("report", help="为每个区县运行报告笔记本，生成 Word/HTML/图表/表格和总览页")
    paths(sp, raw=False)
    run_opts(sp)
    sp = sub.add_parser("build", help="prepare + report：一条命令从原始数据到全部报告")
    paths(sp)
    run_opts(sp)
    sp = sub.add_parser("make-sample", help="重新生成 data/raw/ 中的示例数据（确定性的合成数据）")
    sp.add_argument("--wave", default=config.DEFAULT_WAVE, help="批次名（默认 2026）")
    sp.add_argument("--out", type=Path, default=config.RAW_DIR, help="输出到该文件夹下的 <批次>/")
    sp = sub.add_parser("codebook", help="编码手册工具：从导出文件起草编码手册")
    cb_sub = sp.add_subparsers(dest="codebook_command", metavar="子命令", required=True)
    sp = cb_sub.add_parser("draft", help="从导出文件（xlsx/xls/csv/sav/zsav/dta）起草编码手册 YAML：一个文件，"
                                         "或问卷星按文本、按序号两个文件（顺序不限），或放着它们的文件夹")
    sp.add_argument("file", type=Path, nargs="+", help="问卷导出文件（问卷星按文本 + 按序号两个文件更好）或文件夹")
    sp.add_argument("-o", "--out", type=Path, default=None, help="写到这个文件（默认 ./<问卷英文名>.yaml）")
    sp.add_argument("--instrument", default=None, help="问卷英文名（小写字母、数字、下划线；默认取自文件名）")
    sp.add_argument("--survey-date", default=None,
                    help="调查日期，如 2026-09-15（问卷星文件默认取最后一份答卷的提交日期，其他文件必须给出）")
    sp.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    return p


def _codebook_draft(args) -> int:
    import datetime as dt

    from analysis import fileio
    from analysis.spec import draft, draft_pair

    survey_date = None
    if args.survey_date:
        try:
            survey_date = dt.date.fromisoformat(args.survey_date)
        except ValueError:
            raise SurveyError(f"--survey-date “{args.survey_date}” 不是日期。", fix="写成 2026-09-15 的形式。") from None
    files = draft_pair.files_of(args.file)
    instrument = args.instrument or draft.instrument_from(files[0])
    out = Path(args.out) if args.out else Path(f"{instrument}.yaml")
    if out.exists() and not args.force:
        raise SurveyError("输出文件已存在，没有覆盖。", file=str(out),
                          fix="换一个 -o 文件名，或加 --force 覆盖。")
    made = draft.draft(files, instrument=instrument, survey_date=survey_date)
    fileio.write_text(out, made.text)
    print(f"编码手册草稿已写入 {out}：可以直接运行 survey prepare / survey build。")
    if made.notice:
        print(made.notice, file=sys.stderr)
    if "role: district" not in made.text:
        print("注意：没有找到报告单位题（区县、街道、学校……）：全部答卷出一份报告；"
              "要分单位出报告，给那一题加上 role: district。", file=sys.stderr)
    checks = [c for c in made.checks if c != made.notice]
    if checks:
        print("正式使用前请核对（草稿开头也列着）：")
        for c in checks:
            print(f"  - {c}")
    return 0


def _prepare(args) -> "object":
    from analysis import clean

    print(f"清洗 {Path(args.raw_dir) / args.wave} …", file=sys.stderr)
    w = clean.prepare_wave(args.wave, args.raw_dir, args.processed_dir, args.codebooks,
                              progress=lambda msg: print(f"  {msg}", file=sys.stderr))
    for line in _flow_lines(w):
        print(line)
    if len(w.unmapped):
        print("\n以下答案没有对应的选项，已按缺失处理（可在编码手册的 aliases 中补充）：")
        for _, r in w.unmapped.head(30).iterrows():
            print(f"  {r['instrument']}.{r['variable']}: “{r['value']}” × {r['count']}")
        if len(w.unmapped) > 30:
            print(f"  …… 另有 {len(w.unmapped) - 30} 种，全部列在 {Path(args.processed_dir) / args.wave / 'unmapped.parquet'}")
    for f in w.manifest["inputs"]:
        if f["ignored_columns"]:
            print(f"\n{w.sources.get(f['id'], f['id'])} 中未使用的列：{'、'.join(f['ignored_columns'])}")
    print(f"\n已写入 {Path(args.processed_dir) / args.wave}/")
    return w


def _flow_lines(w) -> list[str]:
    """The flow as a terminal table, each column as wide as its longest entry (a questionnaire's
    title of any length never runs into the unit's name)."""
    rows = [["问卷", w.unit_label, "收到", "剔除", "有效"]]
    rows += [[w.codebooks[r["instrument"]].title, r["district"], r["received"], r["excluded"], r["valid"]]
             for _, r in w.flow.iterrows()]
    widths = [max(display_width(row[i]) for row in rows) for i in range(5)]
    return [""] + ["  ".join(pad(cell, width, right=i >= 2) for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
                   for row in rows]


def _margins_notice(data) -> None:
    """Sections of the wave's margins file no questionnaire of the wave can use (a misspelt name,
    the bundled sample's margins left in place), said once on the terminal; the reports keep only
    what concerns their own questionnaires. A margins file with other mistakes is each report's to
    say (its weighting fails there), so it stops nothing here."""
    from analysis.weighting.weights import margins_notes

    try:
        notes = margins_notes(data, unused=True)
    except SurveyError:
        return
    for note in notes:
        print(f"注意：{note}", file=sys.stderr)


def _report(args, data) -> int:
    from analysis.run import runner

    districts_available = data.districts
    wanted = list(dict.fromkeys(args.district or districts_available))
    unknown = [d for d in wanted if d not in districts_available]
    if unknown:
        raise SurveyError(f"数据中没有{data.unit_label}：{'、'.join(unknown)}。", variable="district",
                          fix=f"可选：{'、'.join(districts_available[:30])}"
                              + (f" 等 {len(districts_available)} 个。" if len(districts_available) > 30 else "。"))
    if args.jobs is not None and args.jobs < 1:
        raise SurveyError("--jobs 至少为 1。", variable="--jobs", fix="不写 -j 则每个 CPU 核一个内核。")
    _margins_notice(data)
    keys = runner.input_keys(data, wanted, codebook_dir=args.codebooks)
    where = f"（Dask 集群 {args.dask_scheduler}）" if args.dask_scheduler else ""
    print(f"\n生成 {len(wanted)} 个{data.unit_label}的报告{where} …", file=sys.stderr)
    runs = runner.run_all(wanted, args.wave, processed_dir=args.processed_dir,
                          codebook_dir=args.codebooks, reports_dir=args.reports_dir, jobs=args.jobs,
                          show_progress=not args.quiet, keys=keys, force=args.force,
                          dask_scheduler=args.dask_scheduler, overview=True, unit_label=data.unit_label)
    print("\n".join(runner.summary_lines(runs, unit_label=data.unit_label)))
    print(f"\n总览页：{Path(args.reports_dir) / args.wave / 'index.html'}")
    return 0 if all(r.ok for r in runs) else 1


def _locked(args) -> int:
    """prepare, report and build, each holding the locks of the folders it writes (and reads) for
    the whole run, after removing what a killed run left there (:mod:`analysis.run.locks`)."""
    from analysis import clean
    from analysis.run import locks

    processed = Path(args.processed_dir) / args.wave
    with contextlib.ExitStack() as held:
        if args.command in ("prepare", "build"):
            held.enter_context(locks.hold(processed, what=f"清洗后的数据 {processed}"))
            locks.remove_leftovers(processed.parent, prefix=f".{args.wave}.")
            _prepare(args)
            if args.command == "prepare":
                return 0
        else:
            held.enter_context(locks.hold(processed, shared=True, what=f"清洗后的数据 {processed}"))
        reports = Path(args.reports_dir) / args.wave
        held.enter_context(locks.hold(reports, what=f"报告 {reports}"))
        for folder in (reports, reports / "_logs"):
            locks.remove_leftovers(folder)
        # read back from Parquet also after prepare, so the input hashes are those `report` sees
        w = clean.load_wave(args.wave, args.processed_dir, args.codebooks)
        return _report(args, w)


# what Ctrl-C leaves behind, per command: every output is written whole or not at all
_INTERRUPTED = {
    "prepare": "已中断：清洗没有完成，没有写入任何清洗结果（data/processed 中原有的结果保持不变）。重新运行即可。",
    "report": "已中断：已完成的报告保留，未完成的报告没有写入（原有报告保持不变）。重新运行会接着生成其余的报告。",
    "build": "已中断：已完成的清洗结果和报告保留，未完成的部分没有写入（原有结果保持不变）。重新运行即可。",
    "": "已中断：没有写入一半的文件（原有文件保持不变）。",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "make-sample":
            from analysis.sample import synth

            synth.make_sample(args.out, wave=args.wave)
            print(f"示例数据已写入 {Path(args.out) / args.wave}/")
            return 0
        if args.command == "codebook":
            return _codebook_draft(args)
        return _locked(args)
    except SurveyError as e:
        from analysis.clean.personal import mask  # a file name may hold a phone or ID number

        print(f"错误：{mask(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{_INTERRUPTED.get(args.command, _INTERRUPTED[''])}", file=sys.stderr)
        return 130
    except OSError as e:      # a full disk or a read-only folder is the machine's, not a bug
        problem = fileio.disk_error(e)
        if problem is None:
            return _internal_error()
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    except Exception:
        return _internal_error()


def _internal_error() -> int:
    """A bug, not the user's input: keep the details, show a short message."""
    log = Path(tempfile.gettempdir()) / "survey-error.log"
    log.write_text(traceback.format_exc(), encoding="utf-8")
    print(f"程序内部错误（不是数据的问题）：{sys.exc_info()[1]!r}\n"
          f"  详细信息已写入 {log}，请把该文件连同所用命令一起报告给维护者。", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
