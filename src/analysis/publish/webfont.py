"""The project's CJK font inside a web page, so that a reader on a machine without Chinese fonts
(a Linux desktop, a locked-down office PC) sees the report's characters and not empty boxes.

The font is the one the charts use (``charts.FONT_FILE`` from the ``mplfonts`` package, SIL Open
Font License). The whole face is 16 MB; a page embeds only the glyphs of the characters it holds
(a few hundred, some 60–70 KB as WOFF), so the page stays one self-contained file that can be
mailed on its own. Same text, same bytes (no timestamps in the subset).
"""

from __future__ import annotations

import base64
import io

WEB_FAMILY = "Report CJK"          # the embedded face's CSS name (no clash with an installed font)
FALLBACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule embedding the glyphs of ``text``'s characters (base64 WOFF)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from analysis.publish.charts import _font_path

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]     # keep the copyright and licence notice lines
    options.notdef_outline = True
    options.hinting = False
    # Horizontal text needs no layout tables (GSUB's vertical forms, GPOS kerning); without them,
    # with the subroutines inlined and the bounding boxes kept as they are, a subset takes a
    # tenth of the time (some 1.5 s rather than 12 s on a busy machine) and half the bytes.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    options.desubroutinize = True
    options.recalc_bounds = False
    font = TTFont(str(_font_path()), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text) | set(" 0123456789.%"))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{WEB_FAMILY}"; font-style: normal; font-weight: 400; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def font_stack() -> str:
    """The CSS font-family list: the embedded face first, installed CJK fonts after it."""
    return f'"{WEB_FAMILY}", {FALLBACK}'
