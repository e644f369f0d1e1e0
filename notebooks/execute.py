"""Execute the study's notebooks in order, in one evcxr kernel.

One kernel serves all notebooks: its fixed cost (starting, building the `oneclick`
dependency into the cell runtime) is paid once, and `:clear` resets the state between
notebooks, so each notebook still runs top to bottom on its own. Execution counts are
numbered 1..N per notebook, as from a clean run.

Usage (normally through run.sh):
    python execute.py [--out DIR | --in-place] [--check] [--no-html] [NOTEBOOK ...]

--check fails (exit 1) when a cell has an error output or writes to stderr, and prints
one line `N passed, N failed` with one count per notebook. A notebook stops at its first
failing cell (later cells would only repeat the failure). When the data are the ones the
committed outputs were produced from (same sha256 as recorded in data.sha256 by the last
--in-place run of all notebooks), --check (without --in-place) also compares every cell's text output with the committed one
(volatile lines such as timings ignored) and fails on a difference, naming notebook, cell
and first differing line; --compare asks for that comparison explicitly.

--expect-data-error TEXT runs the notebooks on a broken data directory: each must stop at
its data cell (the first that loads data) with an error that contains TEXT (the data
layer's message), not later with a cascade. Nothing is written over the notebooks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import re
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager

HERE = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(msg, flush=True)


def add_output(outputs: list, kind: str, content: dict, count: int | None) -> None:
    """Adds one iopub message to a cell's outputs (consecutive stream text merged)."""
    if kind == "stream":
        if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == content["name"]:
            outputs[-1]["text"] += content["text"]
        else:
            outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
    elif kind in ("display_data", "execute_result"):
        out = nbformat.v4.new_output(kind, data=content.get("data", {}), metadata=content.get("metadata", {}))
        if kind == "execute_result":
            out["execution_count"] = count
        outputs.append(out)
    elif kind == "error":
        outputs.append(
            nbformat.v4.new_output(
                "error",
                ename=content.get("ename", ""),
                evalue=content.get("evalue", ""),
                traceback=content.get("traceback", []),
            )
        )
    elif kind == "clear_output":
        outputs.clear()


class Runner:
    def __init__(self, kernel: str, cell_timeout: float, startup_timeout: float, settle: float = 0.15):
        self.settle = settle
        self.km = KernelManager(kernel_name=kernel)
        self.km.start_kernel(cwd=str(HERE))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=startup_timeout)
        self.cell_timeout = cell_timeout
        # evcxr may deliver a cell's stderr (e.g. a top-level `?` error) after it reported
        # idle; such late output is attached to the cell it belongs to.
        self.prev_id = None
        self.prev_outputs: list = []

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)

    def run(self, code: str, count: int | None, heartbeat: str | None = None) -> tuple[list, str, float]:
        """Executes `code`; returns (outputs, reply status, seconds). With `heartbeat`, logs
        `heartbeat: N s` every 30 s while the cell runs."""
        start = time.monotonic()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False)
        outputs: list = []
        deadline = start + self.cell_timeout
        while True:
            wait = max(1.0, deadline - time.monotonic())
            try:
                msg = self.kc.get_iopub_msg(timeout=min(wait, 30.0) if heartbeat else wait)
            except queue.Empty:
                if heartbeat and time.monotonic() < deadline:
                    log(f"[execute] {heartbeat}: {time.monotonic() - start:.0f} s")
                    continue
                self.km.interrupt_kernel()
                outputs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename="Timeout",
                        evalue=f"cell did not finish in {self.cell_timeout:.0f} s",
                        traceback=[],
                    )
                )
                return outputs, "error", time.monotonic() - start
            parent = msg["parent_header"].get("msg_id")
            if parent != msg_id:
                if parent == self.prev_id and msg["msg_type"] == "stream":
                    c = msg["content"]
                    self.prev_outputs.append(nbformat.v4.new_output("stream", name=c["name"], text=c["text"]))
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                break
            add_output(outputs, kind, content, count)
        # evcxr prints a top-level `?` error to stderr from its child process, and that
        # line can reach the kernel just after the cell reported idle; the kernel tags it
        # with whatever request is current when it arrives. Waiting a moment before the
        # next request keeps it with the cell that caused it (the data layer's message
        # stays in the data cell instead of showing up under the next cell).
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=self.settle)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] in ("stream", "error"):
                add_output(outputs, msg["msg_type"], msg["content"], count)
        status = "ok"
        try:
            while True:
                reply = self.kc.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    status = reply["content"].get("status", "ok")
                    break
        except queue.Empty:
            pass
        self.prev_id, self.prev_outputs = msg_id, outputs
        return outputs, status, time.monotonic() - start


def cell_problems(i: int, outputs) -> list[str]:
    found = []
    for out in outputs:
        if out["output_type"] == "error":
            text = (out.get("ename", "") + ": " + out.get("evalue", "")).strip()
            tb = "\n".join(out.get("traceback", []))
            found.append(f"code cell {i}: error output: {text or tb[:500]}")
        elif out["output_type"] == "stream" and out["name"] == "stderr" and out["text"].strip():
            found.append(f"code cell {i}: stderr: {out['text'].strip()[:500]}")
    return found


def problems_of(nb) -> list[str]:
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    return [p for i, cell in enumerate(code_cells, 1) for p in cell_problems(i, cell.get("outputs", []))]


# Lines whose content legitimately changes between runs: elapsed times and the data
# directory's absolute path.
VOLATILE = [
    re.compile(r"\d+(?:[.,]\d+)?\s?(?:с|s|мс|ms)\b"),
    re.compile(r"^каталог данных: "),
]


def copy_outputs(cell) -> list:
    return json.loads(json.dumps(cell.get("outputs", [])))


def output_lines(outputs) -> list[str]:
    lines = []
    for out in outputs:
        if out["output_type"] == "stream":
            text = out["text"]
        elif out["output_type"] in ("display_data", "execute_result"):
            data = out.get("data", {})
            text = data.get("text/plain") or data.get("image/svg+xml") or data.get("text/html") or ""
        elif out["output_type"] == "error":
            text = out.get("ename", "") + ": " + out.get("evalue", "")
        else:
            text = ""
        if isinstance(text, list):
            text = "".join(text)
        for line in text.splitlines():
            if not any(v.search(line) for v in VOLATILE):
                lines.append(line.rstrip())
    return lines


def differences(name: str, committed: list, nb) -> list[str]:
    """The first differing line of each code cell whose outputs changed."""
    found = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if len(committed) != len(code_cells):
        return [f"{name}: {len(code_cells)} code cells, the committed notebook has {len(committed)}"]
    for i, (old, cell) in enumerate(zip(committed, code_cells), 1):
        a, b = output_lines(old), output_lines(cell.get("outputs", []))
        if a != b:
            k = next((j for j, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            was = a[k][:200] if k < len(a) else "<no line>"
            now = b[k][:200] if k < len(b) else "<no line>"
            found.append(f"code cell {i}: output differs from the committed one at line {k + 1}: committed {was!r}, now {now!r}")
    return found


DATA_FILES = ["market_file.csv", "market_money.csv", "market_time.csv", "money.csv"]
DATA_SUMS = HERE / "data.sha256"


def data_dir() -> Path:
    """The directory Data::discover() picks (same order as the crate)."""
    env = os.environ.get("ONECLICK_DATA")
    if env:
        return Path(env)
    for d in (HERE.parent / "data" / "raw", Path("/datasets")):
        if all((d / f).is_file() for f in DATA_FILES):
            return d
    return HERE.parent / "data" / "synthetic"


def data_sums(d: Path) -> str:
    """`sha256  name` lines of the four files (missing files as `-`)."""
    lines = []
    for f in DATA_FILES:
        p = d / f
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "-"
        lines.append(f"{digest}  {f}")
    return "\n".join(lines) + "\n"


def data_cell(nb) -> int | None:
    """The 1-based number of the first code cell that loads data."""
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, 1):
        if ".load()" in cell.source or "Study::run" in cell.source or "Data::load" in cell.source:
            return i
    return None


def error_text(outputs) -> str:
    parts = []
    for out in outputs:
        if out["output_type"] == "error":
            parts.append(out.get("ename", "") + ": " + out.get("evalue", "") + "\n" + "\n".join(out.get("traceback", [])))
        elif out["output_type"] == "stream" and out["name"] == "stderr":
            parts.append(out["text"])
    return "\n".join(parts)


def export_html(nb, path: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=HERE.parent / "target" / "notebooks")
    ap.add_argument("--in-place", action="store_true", help="write the executed notebooks over the committed ones")
    ap.add_argument("--check", action="store_true", help="fail on error outputs or stderr")
    ap.add_argument("--no-html", action="store_true", help="skip the HTML export")
    ap.add_argument(
        "--compare",
        action="store_true",
        help="fail when a cell's text output differs from the committed notebook (volatile lines such as timings ignored); for runs on the data the notebooks were committed with",
    )
    ap.add_argument(
        "--expect-data-error",
        metavar="TEXT",
        help="expect every notebook to stop at its data cell with an error containing TEXT",
    )
    ap.add_argument("--kernel", default="oneclick-rust")
    ap.add_argument("--cell-timeout", type=float, default=3600.0)
    ap.add_argument("--timings", action="store_true", help="print the seconds each cell took")
    args = ap.parse_args()

    notebooks = args.notebooks or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    expect = args.expect_data_error
    if expect is not None:
        args.in_place = False
        args.compare = False
        args.out = args.out.with_name(args.out.name + "-broken-data")
    sums = data_sums(data_dir())
    committed_sums = DATA_SUMS.read_text() if DATA_SUMS.is_file() else None
    if args.check and expect is None and not args.compare and not args.in_place:
        if sums == committed_sums:
            args.compare = True
            log("[execute] the data are those of the committed outputs: comparing outputs")
        else:
            log(f"[execute] the data differ from {DATA_SUMS.name}: outputs not compared")
    args.out.mkdir(parents=True, exist_ok=True)
    runner = Runner(args.kernel, args.cell_timeout, startup_timeout=120)
    passed = failed = 0
    total_start = time.monotonic()
    try:
        for k, path in enumerate(notebooks):
            nb = nbformat.read(path, as_version=4)
            start = time.monotonic()
            if k > 0:
                _, _, seconds = runner.run(":clear", None)
                if args.timings:
                    log(f"    :clear  {seconds:6.2f} s")
            count = 0
            committed = [copy_outputs(c) for c in nb.cells if c.cell_type == "code"]
            stopped = None
            previous = None
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                if stopped is not None:
                    # later cells would only cascade the first failure
                    cell.outputs = []
                    cell.execution_count = None
                    continue
                heartbeat = None
                if k == 0 and count == 1 and cell.source.lstrip().startswith(":dep"):
                    log(
                        "[execute] the first cell builds the `oneclick` dependency into the kernel: on a new "
                        "machine (or after a change of Cargo.toml) that compiles polars and the study's crates "
                        "at opt-level 2 — several minutes (about 4 on 2 cores); afterwards seconds"
                    )
                    heartbeat = "still building the cells' dependencies"
                outputs, status, seconds = runner.run(cell.source, count, heartbeat)
                if args.timings:
                    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
                    log(f"    cell {count:>2}: {seconds:6.2f} s  {first}")
                cell.outputs = outputs
                cell.execution_count = count
                cell.metadata.pop("execution", None)
                if status == "error" and not any(o["output_type"] == "error" for o in outputs):
                    outputs.append(nbformat.v4.new_output("error", ename="Error", evalue="the kernel reported an error", traceback=[]))
                if previous is not None and cell_problems(count - 1, previous.outputs):
                    # the previous cell failed late: this cell's output is a cascade
                    stopped = count - 1
                    cell.outputs = []
                    cell.execution_count = None
                    continue
                if cell_problems(count, outputs):
                    stopped = count
                previous = cell
            elapsed = time.monotonic() - start
            nb.metadata["kernelspec"] = {"display_name": "Rust (oneclick)", "language": "rust", "name": args.kernel}
            nb.metadata["language_info"] = {
                "codemirror_mode": "rust",
                "file_extension": ".rs",
                "mimetype": "text/rust",
                "name": "Rust",
                "pygment_lexer": "rust",
                "version": "",
            }
            target = path if args.in_place else args.out / path.name
            nbformat.write(nb, target)
            if not args.no_html:
                export_html(nb, args.out / (path.stem + ".html"))
            found = problems_of(nb)
            if expect is not None:
                # the run must stop at the data cell, with the data layer's message
                code_cells = [c for c in nb.cells if c.cell_type == "code"]
                want = data_cell(nb)
                if want is None:
                    pass  # a notebook that loads no data must simply run (found as usual)
                elif stopped != want:
                    found = [f"expected to stop at the data cell {want}, stopped at {stopped}"]
                else:
                    found = []
                    text = error_text(code_cells[want - 1].outputs)
                    if expect not in text:
                        found.append(f"code cell {want}: the error does not contain {expect!r}: {text.strip()[:300]!r}")
                    else:
                        log(f"    {path.name}: code cell {want}: {text.strip().splitlines()[0][:200]}")
            elif stopped is not None:
                found.append(f"stopped after code cell {stopped}: the remaining cells were not run")
            if args.compare and stopped is None:
                found += differences(path.name, committed, nb)
            if found:
                failed += 1
                log(f"FAIL {path.name} ({elapsed:.1f} s)")
                for p in found:
                    log(f"    {path.name}: {p}")
            else:
                passed += 1
                log(f"ok   {path.name} ({elapsed:.1f} s, {count} code cells)")
    finally:
        runner.close()
    log(f"all notebooks: {time.monotonic() - total_start:.1f} s")
    if args.in_place and expect is None and failed == 0 and len(notebooks) == len(list(HERE.glob("[0-9][0-9]_*.ipynb"))):
        # the committed outputs now come from these data
        DATA_SUMS.write_text(sums)
    if args.check or expect is not None:
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
