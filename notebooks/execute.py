"""Execute the study's notebooks in order, in one evcxr kernel.

One kernel serves all notebooks: its fixed cost (starting, building the `oneclick`
dependency into the cell runtime) is paid once, and `:clear` resets the state between
notebooks, so each notebook still runs top to bottom on its own. Execution counts are
numbered 1..N per notebook, as from a clean run.

Usage (normally through run.sh):
    python execute.py [--out DIR | --in-place] [--check] [--no-html] [NOTEBOOK ...]

--check fails (exit 1) when a cell has an error output or writes to stderr, and prints
one line `N passed, N failed` with one count per notebook.
"""

from __future__ import annotations

import argparse
import queue
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
            if msg["parent_header"].get("msg_id") != msg_id:
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
        return outputs, status, time.monotonic() - start


def problems_of(nb) -> list[str]:
    found = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, 1):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                text = (out.get("ename", "") + ": " + out.get("evalue", "")).strip()
                tb = "\n".join(out.get("traceback", []))
                found.append(f"code cell {i}: error output: {text or tb[:500]}")
            elif out["output_type"] == "stream" and out["name"] == "stderr" and out["text"].strip():
                found.append(f"code cell {i}: stderr: {out['text'].strip()[:500]}")
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
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                outputs, status, seconds = runner.run(cell.source, count)
                if args.timings:
                    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
                    log(f"    cell {count:>2}: {seconds:6.2f} s  {first}")
                cell.outputs = outputs
                cell.execution_count = count
                cell.metadata.pop("execution", None)
                if status == "error" and not any(o["output_type"] == "error" for o in outputs):
                    outputs.append(nbformat.v4.new_output("error", ename="Error", evalue="the kernel reported an error", traceback=[]))
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
