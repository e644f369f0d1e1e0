"""The editing rules of the notebooks (issue 32), checked on their committed outputs.

    python edit_check.py NOTEBOOK ...          print every breach and a count per rule
    python edit_check.py --rules R,… NB ...    fail (exit 1) only on the listed rules
    python edit_check.py --self-test           show that a breach of repeat, how-last, chart, links or format fails

Rules:
  size        a notebook is at most 250 KB, all of them together at most 1 MB (10⁶ bytes)
  repeat      no sentence of 60 characters or more appears twice — in a notebook's prose
              or printed text, or across notebooks — outside the navigation line
  chart       every chart is followed (in the next markdown cell) by a sentence holding a
              number the same notebook prints (prose_check's notion of «printed»)
  how-last    «Как это сделано» is the last section of every notebook (00_index aside)
  links       every link in a notebook's markdown resolves to a file; every notebook but
              00_index opens with a navigation line to its neighbours in numbering order
              (the last one without →); 00_index's plan links every notebook; every
              notebook file README names exists
  format      every number a reader sees — prose (code spans aside), printed text, table
              cells and chart text — is written one way: a true minus (−0,9, not -0,9) and
              digits grouped from 10 000 (23 119, not 23119); customers' ids (a
              table's `id` column, a number right after «id » or «покупатель») are not numbers

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

HERE = Path(__file__).resolve().parent
MAX_NOTEBOOK = 250 * 1024
MAX_TOTAL = 1_000_000
MIN_SENTENCE = 60
RULES = ("size", "repeat", "chart", "how-last", "links", "format")


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


# a hyphen before a number that does not continue a word, date or range
HYPHEN_MINUS = re.compile(r"(?<![\w\-−./#])-(?=\d)")
# an integer part of five digits or more, written without grouping
UNGROUPED = re.compile(r"(?<![\w.,/#\-−\u00a0\u202f])[-−]?\d{5,}(?![\w])")
# the contexts of a customer's id, as in labels::ID_CONTEXTS
ID_BEFORE = re.compile(r"(id|покупател(ь|я|ю|ем|е))\s$", re.IGNORECASE)


def format_breaches(text: str) -> list[str]:
    """The numbers in `text` written against the one format (see the module's doc)."""
    bad = []
    for line in text.splitlines():
        for m in HYPHEN_MINUS.finditer(line):
            bad.append(f"hyphen for a minus: «{line[max(0, m.start() - 30) : m.end() + 20].strip()}»")
        for m in UNGROUPED.finditer(line):
            if ID_BEFORE.search(line[: m.start()]):
                continue
            # the decimals of a number written with a comma: 0,12345
            if re.search(r"\d,$", line[: m.start()]):
                continue
            bad.append(f"{m.group(0).lstrip('-−')} not grouped: «{line[max(0, m.start() - 30) : m.end() + 20].strip()}»")
    return bad


def table_text(html_text: str) -> str:
    """The text a reader sees of an HTML output: tags dropped, a table's `id` column left out."""
    import html as html_lib

    out = []
    for table in re.split(r"(?=<table)", html_text):
        header = re.search(r"<thead>(.*?)</thead>", table, re.S)
        id_col = None
        if header:
            heads = [re.sub(r"<[^>]+>.*", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", header.group(1), re.S)]
            id_col = heads.index("id") if "id" in heads else None
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            out.append(" | ".join(c for j, c in enumerate(cells) if j != id_col or "<br>" in c))
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S)
        if caption:
            out.append(caption.group(1))
    text = re.sub(r"<[^>]+>", " ", "\n".join(out))
    return html_lib.unescape(text)


def svg_text(svg: str) -> str:
    import html as html_lib

    return "\n".join(html_lib.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))


def seen_text(cell) -> str:
    """Everything a reader sees of a cell: markdown without code, printed text, tables, chart text."""
    if cell["cell_type"] == "markdown":
        text = prose_check.source_of(cell)
        text = re.sub(r"```.*?```", " ", text, flags=re.S)
        text = re.sub(r"`[^`]*`", " ", text)
        text = re.sub(r"\]\([^)]*\)", "]", text)
        return text
    parts = [printed_text(cell)]
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        for kind, read in (("text/html", table_text), ("image/svg+xml", svg_text)):
            if kind in data:
                t = data[kind]
                parts.append(read("".join(t) if isinstance(t, list) else t))
    return "\n".join(parts)


def has_chart(cell) -> bool:
    return any(
        "image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
        for o in cell.get("outputs", [])
    )


def check(paths: list[Path]) -> dict[str, list[str]]:
    found = check_notebooks([(p.name, p.stat().st_size, json.loads(p.read_text())) for p in paths])
    readme = Path(__file__).resolve().parent.parent / "README.md"
    if readme.is_file() and len(paths) > 1:
        names = {p.name for p in paths}
        text = readme.read_text()
        for name in sorted(set(re.findall(r"\b\d\d_\w+\.ipynb", text))):
            if name not in names:
                found["links"].append(f"README.md: {name} is not a notebook")
    return found


def link_breaches(notebooks) -> list[str]:
    """Links that do not resolve, navigation lines that skip or misname a neighbour, and a
    plan in 00_index that misses a notebook."""
    names = [Path(n).name for n, _, _ in notebooks]
    numbered = sorted(n for n in names if re.match(r"\d\d_", n))
    bad = []
    for name, _, nb in notebooks:
        name = Path(name).name
        text = "\n".join(
            prose_check.source_of(c) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"(https?|mailto):", target) or target.startswith("#"):
                continue
            file = target.split("#")[0]
            if file.endswith(".ipynb") and file not in names:
                bad.append(f"{name}: the link ({target}) names no notebook")
            elif not file.endswith(".ipynb") and not (HERE / file).exists():
                bad.append(f"{name}: the link ({target}) resolves to nothing")
        if name not in numbered:
            continue
        k = numbered.index(name)
        if name == "00_index.ipynb":
            plan = set(re.findall(r"\]\((\d\d_\w+\.ipynb)\)", text))
            for other in numbered[1:]:
                if other not in plan:
                    bad.append(f"00_index.ipynb: the plan does not link {other}")
            continue
        first = prose_check.source_of(nb["cells"][0])
        nav = next((line for line in first.splitlines() if is_navigation(line)), "")
        prev = re.search(r"←\s*\[[^\]]*\]\(([^)]+)\)", nav)
        after = re.search(r"\[[^\]]*\]\(([^)]+)\)\s*→", nav)
        want_next = numbered[k + 1] if k + 1 < len(numbered) else None
        if not prev or prev.group(1) != numbered[k - 1]:
            bad.append(f"{name}: the navigation line does not lead back to {numbered[k - 1]}")
        if (after.group(1) if after else None) != want_next:
            bad.append(f"{name}: the navigation line does not lead on to {want_next or 'nothing'}")
        for m in re.finditer(r"\[(\d\d_\w+)(?::[^\]]*)?\]\((\d\d_\w+)\.ipynb\)", text):
            if m.group(1) != m.group(2):
                bad.append(f"{name}: the link [{m.group(1)}] points to {m.group(2)}.ipynb")
    return bad


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
            for b in format_breaches(seen_text(cell)):
                found["format"].append(f"{where}: {b}")
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
    if len(notebooks) > 1:
        found["links"].extend(link_breaches(notebooks))
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
    # a link to a renamed notebook, and a navigation line that skips a neighbour
    renamed = copy.deepcopy(books)
    first = renamed[4][2]["cells"][0]
    first["source"] = prose_check.source_of(first).replace(books[5][0], "99_gone.ipynb")
    links = check_notebooks(renamed).get("links", [])
    # a hyphen for a minus and an ungrouped count in prose, a table and printed text
    drift = copy.deepcopy(books)
    cells = drift[2][2]["cells"]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": "Разность -0,5 при 23119 покупателях; id 215348 — не число."})
    cells.insert(2, {"cell_type": "code", "metadata": {}, "source": "", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "разность -3,6 п. п.; покупатель 215667\n"},
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<table><thead><tr><th>id</th><th>n</th></tr></thead><tbody><tr><td>215348</td><td>19938</td></tr></tbody></table>"}},
    ]})
    fmt = check_notebooks(drift).get("format", [])
    if len(repeat) == 1 and len(last) == 1 and len(chart) == 1 and len(links) == 3 and len(fmt) == 4:
        print(f"self-test: a copied sentence fails as it should: {repeat[0][:120]}")
        print(f"self-test: a section after «Как это сделано» fails as it should: {last[0]}")
        print(f"self-test: a chart without a finding fails as it should: {chart[0]}")
        print(f"self-test: a link to a renamed notebook fails as it should: {'; '.join(links)}")
        print(f"self-test: numbers written the other way fail as they should (ids aside): {'; '.join(fmt)}")
        return 0
    print(f"self-test: not caught: repeat {repeat}, how-last {last}, chart {chart}, links {links}, format {fmt}")
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
