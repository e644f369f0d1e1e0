"""Every number written in a notebook's prose must be printed by the same notebook.

A number in a markdown cell passes when the notebook's outputs (stream text, text/plain,
HTML tables; not the charts' tick labels) print it, or when it is set as a visible
parameter (a number in the code cell that follows the «Параметры» heading). Prose may
round: «2 274,5» passes against a printed 2274.53, «93,2 %» against a printed 93.2 % or
0.932. Not checked: numbers that are part of a word or an identifier (`Маркет_актив_6_мес`,
`φK`, `F1`, `02_preprocessing`), inside `code` or a link target, and the numbering of
headings and list items. Numbers are read in Russian notation (thin or no-break spaces
between digit groups, decimal comma) and in the outputs' notation (decimal point).

    python prose_check.py NOTEBOOK ...     check the notebooks as they are (committed outputs)
    python prose_check.py --self-test      show that a changed number fails

execute.py runs the same check on freshly executed notebooks when the data are those the
committed prose describes (notebooks/data.sha256).
"""

from __future__ import annotations

import copy
import html
import json
import re
import sys
from pathlib import Path

# A number: digit groups separated by a space / thin / no-break space (Russian thousands),
# an optional decimal part after a comma or a point. Not preceded or followed by a letter,
# digit, underscore or another number character (identifiers such as 6_мес, F1, 02_eda).
NUMBER = re.compile(
    r"(?<![\w.,\u2212-])"  # not glued to a word or to another number
    r"([-\u2212]?)"
    r"(\d{1,3}(?:[ \u2009\u202f\u00a0]\d{3})+|\d+)"
    r"(?:[.,](\d+))?"
    r"(?![\w])"
)
PERCENT_AFTER = re.compile(r"^\s?%")


def numbers(text: str) -> list[tuple[str, float, int, bool]]:
    """(as written, value, decimals, followed by %) of every number in `text`."""
    found = []
    for m in NUMBER.finditer(text):
        whole = re.sub(r"[ \u2009\u202f\u00a0]", "", m.group(2))
        frac = m.group(3) or ""
        value = float(whole + ("." + frac if frac else ""))
        percent = bool(PERCENT_AFTER.match(text[m.end() :]))
        found.append((m.group(0), value, len(frac), percent))
    return found


def prose_text(source: str) -> str:
    """The markdown a reader reads as prose: without code spans, link targets, heading
    and list numbering."""
    text = re.sub(r"```.*?```", " ", source, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*#+\s*\d+(?:\.\d+)*\.?\s", "# ", line)  # «## 3. Модели»
        line = re.sub(r"^\s*\d+[.)]\s", "", line)  # «1. …» list items
        lines.append(line)
    return "\n".join(lines)


def output_text(outputs) -> str:
    parts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            text = data.get("text/html") or data.get("text/plain") or ""
            if isinstance(text, list):
                text = "".join(text)
            if "<svg" in text:
                text = re.sub(r"<svg.*?</svg>", " ", text, flags=re.S)
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        elif kind == "error":
            text = out.get("evalue", "")
        else:
            text = ""
        parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def source_of(cell) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def printed_values(nb) -> list[tuple[float, int]]:
    """(value, decimals) of every number the notebook prints or sets as a parameter."""
    values = []
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            for _, v, d, _ in numbers(output_text(cell.get("outputs", []))):
                values.append((v, d))
        elif re.search(r"^#+\s*Параметры", source_of(cell), flags=re.M):
            following = next((c for c in cells[i + 1 :] if c["cell_type"] == "code"), None)
            if following is not None:
                for _, v, d, _ in numbers(source_of(following)):
                    values.append((v, d))
    return values


def matches(value: float, decimals: int, percent: bool, printed: list[tuple[float, int]]) -> bool:
    """Whether a printed number, rounded to the prose's decimals, is the prose's number (a
    percentage may also be printed as a share)."""
    wanted = [(abs(value), decimals)] + ([(abs(value) / 100, decimals + 2)] if percent else [])
    for want, d in wanted:
        for v, pd in printed:
            if pd >= d and abs(abs(v) - want) <= 0.5 * 10 ** (-d) + 1e-9:
                return True
    return False


def check(nb, name: str) -> list[str]:
    """`name: markdown cell K: number X is not printed by this notebook` for each unverified
    number."""
    printed = printed_values(nb)
    problems = []
    k = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        k += 1
        for written, value, decimals, percent in numbers(prose_text(source_of(cell))):
            if not matches(value, decimals, percent, printed):
                problems.append(
                    f"{name}: markdown cell {k}: the number {written.strip()!r} is not printed by this notebook "
                    f"(nor set as a parameter)"
                )
    return problems


def self_test() -> int:
    """Takes the committed 06 notebook, which passes, changes one number in its prose and
    expects the check to name that cell and number."""
    path = Path(__file__).resolve().parent / "06_pipelines.ipynb"
    nb = json.loads(path.read_text())
    before = check(nb, path.name)
    if before:
        print("\n".join(before))
        print("self-test: the committed notebook does not pass to begin with")
        return 1
    printed = printed_values(nb)
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    # the last number with decimals in the prose, its last digit changed so that the new
    # number is printed nowhere — as a stale number in a report would be
    for k in reversed(range(len(md))):
        text = source_of(md[k])
        prose = {w.strip() for w, _, d, _ in numbers(prose_text(text)) if d > 0}
        for m in reversed([m for m in NUMBER.finditer(text) if m.group(0).strip() in prose]):
            written = m.group(0)
            for digit in "1234567890":
                wrong = written[:-1] + digit
                _, value, decimals, percent = numbers(wrong)[0]
                if wrong != written and not matches(value, decimals, percent, printed):
                    break
            else:
                continue
            changed = copy.deepcopy(nb)
            cell = [c for c in changed["cells"] if c["cell_type"] == "markdown"][k]
            cell["source"] = text[: m.start()] + wrong + text[m.end() :]
            after = check(changed, path.name)
            expected = f"markdown cell {k + 1}: the number {wrong.strip()!r}"
            if any(expected in p for p in after):
                print(f"self-test: {written.strip()} → {wrong.strip()} in {path.name} markdown cell {k + 1} fails as it should:")
                print("    " + next(p for p in after if expected in p))
                return 0
            print(f"self-test: changing {written.strip()} to {wrong.strip()} was not caught: {after}")
            return 1
    print("self-test: no number in the prose")
    return 1


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    problems = []
    for p in argv:
        path = Path(p)
        problems += check(json.loads(path.read_text()), path.name)
    for p in problems:
        print(p)
    print(f"prose numbers: {len(problems)} not printed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
