"""Run factor.sps with PSPP and write its tables' unrounded values (PSPP prints two decimals).

    cd tests/reference/pspp && python3 factor_values.py

Needs ``pspp`` and ``pspp-output`` (Debian package pspp). Writes ``factor.txt`` (the printed
tables) and ``factor_values.csv``: ``table`` (its title), ``index`` (PSPP's cell index: row +
rows × column, in the printed table's order), ``value`` (six significant digits, as PSPP stores
them in its .spv output).
"""

import csv
import re
import subprocess
import tempfile
from pathlib import Path

here = Path(__file__).parent
subprocess.run(["pspp", "-O", "format=txt", "-o", "factor.txt", "factor.sps"], cwd=here, check=True)
with tempfile.TemporaryDirectory() as tmp:
    spv = Path(tmp) / "factor.spv"
    subprocess.run(["pspp", "-o", str(spv), "factor.sps"], cwd=here, check=True, capture_output=True)
    dump = subprocess.run(["pspp-output", "dump-light-table", str(spv)], check=True, capture_output=True,
                          text=True).stdout
rows, title, index = [], None, None
for line in dump.splitlines():
    if m := re.match(r'^\s{12}local: "(.*)"$', line):
        title = m.group(1)
    elif m := re.match(r"^\s{12}index: (\d+)$", line):
        index = int(m.group(1))
    elif (m := re.match(r"^\s{16}x: (\S+)$", line)) and index is not None:
        rows.append((title, index, m.group(1)))
        index = None
with open(here / "factor_values.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["table", "index", "value"])
    w.writerows(rows)
