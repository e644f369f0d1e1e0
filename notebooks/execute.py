"""Execute the study's notebooks in order, in one evcxr kernel, with nbclient.

One kernel (started and owned here, handed to nbclient's executor) serves all notebooks: its fixed cost (starting, building the `oneclick`
dependency into the cell runtime) is paid once, and `:clear` resets the state between
notebooks, so each notebook still runs top to bottom on its own. Execution counts are
numbered 1..N per notebook, as from a clean run.

Usage (normally through run.sh):
    python execute.py [--out DIR | --in-place] [--check] [--no-html] [NOTEBOOK ...]

--check fails (exit 1) when a cell has an error output or writes to stderr, and prints
one line `N passed, N failed` with one count per notebook. A notebook stops at its first
failing cell (later cells would only repeat the failure). When the data are the ones the
committed outputs were produced from (same sha256 as recorded in data.sha256 by the last
--in-place run of all notebooks), --check (without --in-place) also compares every cell's
text output with the committed one (volatile lines such as timings ignored) and fails on a difference, naming notebook, cell
and first differing line, and checks that every number in the prose is printed by the
notebook (prose_check.py); --compare asks for both explicitly.

--expect-data-error TEXT runs the notebooks on a broken data directory: each must stop at
its data cell (the first that loads the discovered data; a notebook that reads none, as
11_launch on its synthetic store, must simply run) with an error that contains TEXT (the data
layer's message), not later with a cascade. Nothing is written over the notebooks.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import prose_check
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

HERE = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(msg, flush=True)


# Late output, collected deterministically. evcxr runs a cell's code in a child process and
# forwards the child's stdout and stderr line by line from reader threads, tagging each line
# with whichever execute request is current when it arrives (evcxr_jupyter 0.22 core.rs,
# `pass_output_line`). A line written just before a cell ends (typically the message of a
# top-level `?` error, on stderr) can therefore arrive after the cell reported idle, tagged
# with that cell or with the next one. Each pipe keeps its order, though: every cell after
# the first starts by writing a numbered marker line to both streams, and a stream line
# belongs to the cell whose marker came last on that stream, whatever its tag. After the
# last cell one marker-only request is sent and its markers are awaited, so everything
# before them has arrived. No fixed waits, no timing assumption; the markers are sent in
# front of the cell's source and never stored.
MARKER = re.compile("^\u2063oneclick-cell-(\\d+)\u2063$")


def markers(n: int) -> str:
    line = f"\u2063oneclick-cell-{n}\u2063"
    return f'println!("{line}");\neprintln!("{line}");\n'


class NotebookRun(NotebookClient):
    """nbclient's executor for one notebook on a kernel the caller owns (one kernel serves
    all notebooks), with the stream ownership above."""

    def __init__(self, nb, km: AsyncKernelManager, kc, **kw):
        super().__init__(nb, km=km, **kw)
        self.kc = kc
        self.marked: dict[int, object] = {}  # marker number -> cell (None: a hidden request)
        self.owner: dict[str, object] = {"stdout": None, "stderr": None}
        self.seen: dict[str, int] = {"stdout": -1, "stderr": -1}
        self.reply_status = "ok"
        self.on_cell_executed = self._executed

    def _executed(self, cell, cell_index, execute_reply) -> None:
        self.reply_status = execute_reply["content"].get("status", "ok") if execute_reply else "error"

    def _route(self, name: str, text: str) -> None:
        for line in text.splitlines(keepends=True):
            m = MARKER.match(line.rstrip("\n"))
            if m:
                self.seen[name] = int(m.group(1))
                self.owner[name] = self.marked.get(self.seen[name])
                continue
            cell = self.owner[name]
            if cell is None:
                continue  # nothing of ours writes outside a cell; hidden requests print nothing
            outs = cell.outputs
            if outs and outs[-1].get("output_type") == "stream" and outs[-1]["name"] == name:
                outs[-1]["text"] += line
            else:
                outs.append(nbformat.v4.new_output("stream", name=name, text=line))

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        # nbclient's loop, except that stream lines are given to the cell that owns them,
        # whichever request they are tagged with
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["msg_type"] == "stream":
                self._route(msg["content"]["name"], msg["content"]["text"])
            elif msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return

    async def run_cell(self, cell, index: int, count: int | None, first: bool) -> str:
        """Executes one code cell; returns the reply status. The notebook's first cell
        runs as written and owns the streams from the start; each later cell is preceded
        by its markers."""
        source = cell.source
        if first:
            self.owner = {"stdout": cell, "stderr": cell}
        else:
            self.marked[index] = cell
            cell.source = markers(index) + source
        try:
            await self.async_execute_cell(cell, index, execution_count=count)
        finally:
            cell.source = source
        return self.reply_status

    async def run_hidden(self, source: str, timeout: float = 30.0) -> None:
        """Runs a request that belongs to no cell. Without `source`: the final markers,
        waiting until both have arrived (everything the cells wrote has then arrived)."""
        n = len(self.nb.cells)
        cell = nbformat.v4.new_code_cell(source=source or markers(n))
        self.marked[n] = None
        self.nb.cells.append(cell)
        try:
            await self.async_execute_cell(cell, n)
        finally:
            self.nb.cells.pop()
        if source:
            return
        deadline = time.monotonic() + timeout
        while min(self.seen.values()) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                log(f"[execute] warning: the final markers did not arrive in {timeout:.0f} s; late output may be missing")
                return
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=left))
            except Exception:
                continue
            if msg["msg_type"] == "stream":
                self._route(msg["content"]["name"], msg["content"]["text"])


class Runner:
    """Owns the one kernel (and its client) that executes every notebook."""

    def __init__(self, kernel: str, cell_timeout: float, startup_timeout: float):
        self.kernel, self.cell_timeout, self.startup_timeout = kernel, cell_timeout, startup_timeout

    async def start(self) -> None:
        self.km = AsyncKernelManager(kernel_name=self.kernel)
        await self.km.start_kernel(cwd=str(HERE))
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.startup_timeout)

    async def close(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            await self.km.shutdown_kernel(now=True)

    def notebook(self, nb) -> NotebookRun:
        return NotebookRun(
            nb,
            self.km,
            self.kc,
            timeout=int(self.cell_timeout),
            interrupt_on_timeout=True,
            allow_errors=True,
            coalesce_streams=True,
            record_timing=False,
            kernel_name=self.kernel,
        )


async def heartbeat(what: str, start: float) -> None:
    while True:
        await asyncio.sleep(30)
        log(f"[execute] {what}: {time.monotonic() - start:.0f} s")


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
    """The 1-based number of the first code cell that loads the discovered data. A cell
    that names its own data directory (`options.with_data(…)` or `data: Some(…)`, as
    11_launch does with its synthetic store) does not count: it does not read the
    discovered data."""
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, 1):
        if "data: Some(" in cell.source or ".with_data(" in cell.source:
            continue
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


async def run_notebook(runner: Runner, path: Path, k: int, args, expect: str | None) -> bool:
    """Executes one notebook, writes it (and its HTML), reports; True when it passed."""
    nb = nbformat.read(path, as_version=4)
    run = runner.notebook(nb)
    start = time.monotonic()
    if k > 0:
        await run.run_hidden(":clear")
    committed = [copy_outputs(c) for c in nb.cells if c.cell_type == "code"]
    count = 0
    stopped = None
    executed: list = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        count += 1
        if stopped is not None:
            # later cells would only cascade the first failure
            cell.outputs = []
            cell.execution_count = None
            continue
        beat = None
        if k == 0 and count == 1 and cell.source.lstrip().startswith(":dep"):
            log(
                "[execute] the first cell builds the `oneclick` dependency into the kernel: on a new "
                "machine (or after a change of Cargo.toml) that compiles polars and the study's crates "
                "at opt-level 2 — several minutes (about 4 on 2 cores); afterwards seconds"
            )
            beat = asyncio.ensure_future(heartbeat("still building the cells' dependencies", start))
        cell_start = time.monotonic()
        try:
            status = await run.run_cell(cell, index, count, first=count == 1)
        finally:
            if beat is not None:
                beat.cancel()
        if args.timings:
            first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            log(f"    cell {count:>2}: {time.monotonic() - cell_start:6.2f} s  {first}")
        cell.metadata.pop("execution", None)
        if status == "error" and not any(o["output_type"] == "error" for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output("error", ename="Error", evalue="the kernel reported an error", traceback=[]))
        if any(cell_problems(i, c.outputs) for i, c in enumerate(executed, 1)) or cell_problems(count, cell.outputs):
            # a failure (possibly an earlier cell's, arriving late): stop here
            stopped = count
        executed.append(cell)
    # the last cells' late lines, then the first failing cell decides where the run stopped
    await run.run_hidden("")
    first_bad = next((i for i, c in enumerate(executed, 1) if cell_problems(i, c.outputs)), None)
    if first_bad is not None:
        stopped = first_bad
        for c in executed[first_bad:]:
            # later cells only cascade the first failure
            c.outputs = []
            c.execution_count = None
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
        # the prose describes these data: every number in it must be printed by the notebook
        found += [p.split(": ", 1)[1] for p in prose_check.check(nb, path.name)]
    if found:
        log(f"FAIL {path.name} ({elapsed:.1f} s)")
        for p in found:
            log(f"    {path.name}: {p}")
        return False
    log(f"ok   {path.name} ({elapsed:.1f} s, {count} code cells)")
    return True


async def run_all(args, notebooks: list[Path], expect: str | None) -> tuple[int, int]:
    runner = Runner(args.kernel, args.cell_timeout, startup_timeout=120)
    await runner.start()
    passed = failed = 0
    try:
        for k, path in enumerate(notebooks):
            if await run_notebook(runner, path, k, args, expect):
                passed += 1
            else:
                failed += 1
    finally:
        await runner.close()
    return passed, failed


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
    changed = os.environ.get("ONECLICK_SET", "").strip()
    if changed:
        # the committed outputs and the prose describe the parameter file's values
        if args.in_place:
            sys.exit("--set and --in-place do not go together: the committed outputs use the parameter file")
        args.compare = False
        log("[execute] parameters changed with --set (" + "; ".join(changed.splitlines()) + "): outputs not compared")
    elif args.check and expect is None and not args.compare and not args.in_place:
        if sums == committed_sums:
            args.compare = True
            log("[execute] the data are those of the committed outputs: comparing outputs")
        else:
            log(f"[execute] the data differ from {DATA_SUMS.name}: outputs not compared")
    args.out.mkdir(parents=True, exist_ok=True)
    total_start = time.monotonic()
    passed, failed = asyncio.run(run_all(args, notebooks, expect))
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
