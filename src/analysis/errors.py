"""The one exception type a user can act on.

Every problem with the user's input (a file, a codebook, a parameter) raises ``SurveyError`` with a
message that names the file, row or variable and says how to fix it. The CLI prints the message
without a traceback and exits non-zero; anything else escaping is a bug in this package.
"""

from __future__ import annotations


class SurveyError(Exception):
    """Bad input the user can fix. ``str(err)`` is the full message, in Chinese and plain words."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 variable: str | None = None, fix: str | None = None):
        self.file, self.row, self.variable, self.fix = file, row, variable, fix
        self.message = message
        where = []
        if file:
            where.append(f"文件 {file}")
        if row is not None:
            where.append(f"第 {row} 行")
        if variable:
            where.append(f"变量 {variable}")
        text = (("，".join(where) + "：") if where else "") + message
        if fix:
            text += f"\n  解决办法：{fix}"
        super().__init__(text)
