"""The editing rules of the notebooks (issue 32), checked on their committed outputs.

    python edit_check.py NOTEBOOK ...          print every breach and a count per rule
    python edit_check.py --rules R,… NB ...    fail (exit 1) only on the listed rules
    python edit_check.py --self-test           show that a breach of repeat, how-last or chart fails

Rules:
  size        a notebook is at most 250 KB, all of them together at most 1 MB (10⁶ bytes)
  repeat      no sentence of 60 characters or more appears twice — in a notebook's prose
              or printed text, or across notebooks — outside the navigation line
  chart       every chart is followed (in the next markdown cell) by a sentence holding a
              number the same notebook prints (prose_check's notion of «printed»)
  how-last    «Как это сделано» is the last section of every notebook (00_index aside)

A rule passes for the whole set or not at all; CI enforces every rule.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import prose_check

MAX_NOTEBOOK = 250 * 1024
MAX_TOTAL = 1_000_000
MIN_SENTENCE = 60
RULES = ("size", "repeat", "chart", "how-last")


def is_navigation(line: str) -> bool:
    return "оглавление](00_index.ipynb)" in line or line.lstrip().startswith("←")


def sentences(text: str) -> list[str]:
    """The sentences of `text` (markdown or printed), whitespace and markup folded."""
    out = []
    for line in text.splitlines():
        if is_navigation(line):
            continue
        line = re.sub(r"[*_`#>|]", "", line)
        line = re.sub(r"\]\([^)]*\)", "]", line)
        line = re.sub(r"\s+", " ", line).strip(" -")
        for s in re.split(r"(?<=[.!?…;:])\s+(?=[«(\[A-ZА-ЯЁ0-9−-])", line):
            s = s.strip()
            if len(s) >= MIN_SENTENCE:
                out.append(s)
    return out


def printed_text(cell) -> str:
    """What a code cell prints as text: its streams (tables and charts are not sentences)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            t = out.get("text", "")
            parts.append("".join(t) if isinstance(t, list) else t)
    return "\n".join(parts)


def has_chart(cell) -> bool:
    return any(
        "image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
        for o in cell.get("outputs", [])
    )


def check(paths: list[Path]) -> dict[str, list[str]]:
    return check_notebooks([(p.name, p.stat().st_size, json.loads(p.read_text())) for p in paths])


def check_notebooks(notebooks) -> dict[str, list[str]]:
    """The breaches of every rule in `(name, size in bytes, notebook JSON)`."""
    found: dict[str, list[str]] = defaultdict(list)
    total = 0
    seen: dict[str, str] = {}
    for name, size, nb in notebooks:
        path = Path(name)
        total += size
        if size > MAX_NOTEBOOK:
            found["size"].append(f"{path.name}: {size / 1024:.0f} KB (at most {MAX_NOTEBOOK // 1024} KB)")
        cells = nb["cells"]
        printed = prose_check.printed_values(nb)
        for i, cell in enumerate(cells):
            where = f"{path.name} cell {i + 1}"
            text = (
                prose_check.source_of(cell)
                if cell["cell_type"] == "markdown"
                else printed_text(cell)
            )
            for s in sentences(text):
                if s in seen:
                    found["repeat"].append(f"{where}: repeats {seen[s]}: «{s[:90]}…»")
                else:
                    seen[s] = where
            if cell["cell_type"] == "code" and has_chart(cell):
                after = next((c for c in cells[i + 1 :] if c["cell_type"] == "markdown"), None)
                ok = after is not None and any(
                    prose_check.matches(v, d, pc, printed)
                    for _, v, d, pc in prose_check.numbers(
                        prose_check.prose_text(prose_check.source_of(after))
                    )
                )
                if not ok:
                    found["chart"].append(f"{where}: the chart is not followed by a sentence with a printed number")
        if path.name != "00_index.ipynb":
            headings = [
                line.strip("# ").strip()
                for c in cells
                if c["cell_type"] == "markdown"
                for line in prose_check.source_of(c).splitlines()
                if re.match(r"^##\s", line)
            ]
            if not headings or headings[-1] != "Как это сделано":
                found["how-last"].append(
                    f"{path.name}: the last section is «{headings[-1] if headings else '—'}»"
                )
    if total > MAX_TOTAL:
        found["size"].append(f"all notebooks: {total:,} bytes (at most {MAX_TOTAL:,})")
    return found


def self_test() -> int:
    """The committed notebooks keep every rule; a sentence copied from one notebook into
    another, a «Выводы» after «Как это сделано» and a chart whose finding lost its numbers
    must each fail."""
    here = Path(__file__).resolve().parent
    paths = sorted(here.glob("[0-9][0-9]_*.ipynb"))
    books = [(p.name, p.stat().st_size, json.loads(p.read_text())) for p in paths]
    if any(check_notebooks(books).values()):
        print("self-test: the committed notebooks do not keep the rules to begin with")
        return 1
    donor = next(
        s
        for _, _, nb in books[2:]
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
        for s in sentences(prose_check.source_of(c))
    )
    copied = copy.deepcopy(books)
    copied[-1][2]["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": donor})
    repeat = check_notebooks(copied).get("repeat", [])
    moved = copy.deepcopy(books)
    cells = moved[3][2]["cells"]
    cells.append({"cell_type": "markdown", "metadata": {}, "source": "## Выводы\n\n- …"})
    last = check_notebooks(moved).get("how-last", [])
    # the finding after the first chart of the set loses its numbers
    mute = copy.deepcopy(books)
    chart = []
    for name, _, nb in mute:
        cells = nb["cells"]
        for i, c in enumerate(cells):
            if c["cell_type"] == "code" and has_chart(c):
                after = next((d for d in cells[i + 1 :] if d["cell_type"] == "markdown"), None)
                if after is not None:
                    after["source"] = "На графике видно, как распределены покупатели."
                    chart = [p for p in check_notebooks(mute).get("chart", []) if p.startswith(name)]
                break
        if chart:
            break
    if len(repeat) == 1 and len(last) == 1 and len(chart) == 1:
        print(f"self-test: a copied sentence fails as it should: {repeat[0][:120]}")
        print(f"self-test: a section after «Как это сделано» fails as it should: {last[0]}")
        print(f"self-test: a chart without a finding fails as it should: {chart[0]}")
        return 0
    print(f"self-test: not caught: repeat {repeat}, how-last {last}, chart {chart}")
    return 1


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    enforced = list(RULES)
    if argv[:1] == ["--rules"]:
        enforced = [r for r in argv[1].split(",") if r]
        unknown = [r for r in enforced if r not in RULES]
        if unknown:
            print(f"unknown rules {unknown}; the rules are {', '.join(RULES)}")
            return 2
        argv = argv[2:]
    found = check([Path(p) for p in argv])
    for rule in RULES:
        for line in found.get(rule, []):
            print(f"[{rule}] {line}")
    print("editing rules: " + ", ".join(f"{r} {len(found.get(r, []))}" for r in RULES))
    return 1 if any(found.get(r) for r in enforced) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
