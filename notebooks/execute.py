"""Execute the study's notebooks in order, in one evcxr kernel.

One kernel serves all notebooks: its fixed cost (starting, building the `oneclick`
dependency into the cell runtime) is paid once, and `:clear` resets the state between
notebooks, so each notebook still runs top to bottom on its own. Execution counts are
numbered 1..N per notebook, as from a clean run.

Usage (normally through run.sh):
    python execute.py [--out DIR | --in-place] [--check] [--no-html] [NOTEBOOK ...]

--check fails (exit 1) when a cell has an error output or writes to stderr, and prints
one line `N passed, N failed` with one count per notebook. A notebook stops at its first
failing cell (later cells would only repeat the failure). --compare also fails on any
difference from the committed outputs, naming notebook, cell and first differing line.
"""

from __future__ import annotations

import argparse
import json
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


class Runner:
    def __init__(self, kernel: str, cell_timeout: float, startup_timeout: float):
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

    def run(self, code: str, count: int | None) -> tuple[list, str, float]:
        """Executes `code`; returns (outputs, reply status, seconds)."""
        start = time.monotonic()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False)
        outputs: list = []
        deadline = start + self.cell_timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
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
            if kind == "stream":
                if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == content["name"]:
                    outputs[-1]["text"] += content["text"]
                else:
                    outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
            elif kind in ("display_data", "execute_result"):
                out = nbformat.v4.new_output(
                    kind, data=content.get("data", {}), metadata=content.get("metadata", {})
                )
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
    ap.add_argument("--kernel", default="rust")
    ap.add_argument("--cell-timeout", type=float, default=3600.0)
    ap.add_argument("--timings", action="store_true", help="print the seconds each cell took")
    args = ap.parse_args()

    notebooks = args.notebooks or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
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
                outputs, status, seconds = runner.run(cell.source, count)
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
            nb.metadata["kernelspec"] = {"display_name": "Rust", "language": "rust", "name": args.kernel}
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
            if stopped is not None:
                found.append(f"stopped after code cell {stopped}: the remaining cells were not run")
            if args.compare and stopped is None:
                found += differences(path.name, committed, nb)
            if found:
                failed += 1
                log(f"FAIL {path.name} ({elapsed:.1f} s)")
                for p in found:
                    log(f"    {p}")
            else:
                passed += 1
                log(f"ok   {path.name} ({elapsed:.1f} s, {count} code cells)")
    finally:
        runner.close()
    log(f"all notebooks: {time.monotonic() - total_start:.1f} s")
    if args.check:
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
