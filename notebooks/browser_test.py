"""Run notebooks the way an analyst does: JupyterLab on loopback with the registered kernel
«Rust (oneclick)», headless Chromium driven by selenium, «Run All Cells» from the menu.

For each notebook the test waits until every code cell has run and the kernel has been
idle for a few seconds (evcxr can deliver a failing cell's stderr after it reports idle),
then fails on any error or stderr output anywhere in the notebook, and checks that HTML
tables and, where asked, SVG charts are visible. A screenshot of each notebook goes to
target/browser/. JupyterLab is started without run.sh's environment: the kernel must carry
its own (kernel.json "env"), as in a JupyterLab started by hand.

The notebooks are opened as hidden copies beside the originals (`.browser-NAME.ipynb`, so
that `:dep oneclick = { path = ".." }` resolves), with autosave off; the copies are removed
afterwards. Prints `N passed, N failed`; exit 1 on a failure.

Usage (normally `notebooks/run.sh --browser-test`):
    python browser_test.py [NOTEBOOK[:svg] ...]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = ["01_load.ipynb", "05_correlation.ipynb:svg"]
ERROR_OUTPUTS = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
    ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']",
)


def log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, token: str, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=5) as r:
        return json.load(r)


def start_lab(port: int, token: str, settings: Path, logfile) -> subprocess.Popen:
    # Lab settings: no autosave (the copies stay as they are), every cell in the DOM (no
    # windowing, so off-screen outputs can be checked), no news pop-up.
    (settings / "overrides.json").write_text(
        json.dumps(
            {
                "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
                "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
                "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "EVCXR_"))}
    env.pop("LD_LIBRARY_PATH", None)
    return subprocess.Popen(
        [
            str(HERE / ".venv" / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            # CI and this machine run as root; the server listens on loopback only.
            "--allow-root",
            # the copies are hidden files (.browser-*)
            "--ContentsManager.allow_hidden=True",
            f"--ServerApp.root_dir={HERE}",
            f"--LabApp.app_settings_dir={settings}",
        ],
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def kernel_state(port: int, token: str, path: str) -> str | None:
    for s in api(port, token, "/api/sessions"):
        if s.get("path") == path:
            return s["kernel"]["execution_state"]
    return None


def click_menu(driver, menu: str, item: str) -> None:
    driver.find_element(By.XPATH, f"//div[contains(@class,'lm-MenuBar-itemLabel') and text()='{menu}']").click()
    time.sleep(0.5)
    driver.find_element(By.XPATH, f"//div[contains(@class,'lm-Menu-itemLabel') and text()='{item}']").click()


def prompts(driver) -> list[str]:
    return [
        p.text.strip()
        for p in driver.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea-prompt")
    ]


def errors(driver) -> list[str]:
    found = []
    for selector in ERROR_OUTPUTS:
        for e in driver.find_elements(By.CSS_SELECTOR, selector):
            text = e.text.strip()
            if text and text not in found:
                found.append(text)
    return found


def run_notebook(driver, port: int, token: str, name: str, svg: bool, timeout: float, out: Path) -> list[str]:
    copy = f".browser-{name}"
    shutil.copy(HERE / name, HERE / copy)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        driver.get(f"http://127.0.0.1:{port}/lab/tree/{copy}?token={token}")
        deadline = time.time() + 120
        while time.time() < deadline and kernel_state(port, token, copy) != "idle":
            time.sleep(1)
        if kernel_state(port, token, copy) != "idle":
            problem = f"{name}: the kernel did not start (state {kernel_state(port, token, copy)})"
            driver.save_screenshot(str(out / f"{Path(name).stem}.png"))
            log(f"FAIL {problem}")
            return [problem]
        time.sleep(2)
        started = time.time()
        click_menu(driver, "Run", "Run All Cells")
        quiet_since = None
        while time.time() - started < timeout:
            time.sleep(1)
            ps = prompts(driver)
            done = ps and all(p.startswith("[") and p[1:-2].strip().isdigit() for p in ps)
            idle = kernel_state(port, token, copy) == "idle"
            if done and idle:
                quiet_since = quiet_since or time.time()
                if time.time() - quiet_since >= 3:
                    break
            else:
                quiet_since = None
            if errors(driver):
                time.sleep(3)
                break
        else:
            problems.append(f"{name}: cells still running after {timeout:.0f} s: {prompts(driver)}")
        seconds = time.time() - started
        problems += [f"{name}: error output: {e[:300]}" for e in errors(driver)]
        tables = [t for t in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output table") if t.is_displayed()]
        if not tables:
            problems.append(f"{name}: no HTML table rendered")
        charts = [
            c
            for c in driver.find_elements(By.CSS_SELECTOR, ".jp-RenderedSVG img, .jp-RenderedSVG svg, .jp-RenderedImage img")
            if c.is_displayed() and c.size["width"] > 100 and c.size["height"] > 100
        ]
        if svg and not charts:
            problems.append(f"{name}: no SVG chart visible")
        target = (charts or tables or [None])[0]
        if target is not None:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", target)
            time.sleep(0.5)
        out.mkdir(parents=True, exist_ok=True)
        shot = out / f"{Path(name).stem}.png"
        driver.save_screenshot(str(shot))
        log(
            f"{'ok  ' if not problems else 'FAIL'} {name}: {len(prompts(driver))} code cells in {seconds:.1f} s, "
            f"{len(tables)} HTML tables, {len(charts)} charts; screenshot {shot.relative_to(ROOT)}"
        )
        for p in problems:
            log(f"    {p}")
        return problems
    finally:
        (HERE / copy).unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", default=DEFAULT, help="NAME or NAME:svg (an SVG chart must be visible)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds for one notebook's cells")
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "browser")
    args = ap.parse_args()
    port, token = free_port(), secrets.token_hex(16)
    work = Path(tempfile.mkdtemp(prefix="oneclick-browser-"))
    (work / "settings").mkdir()
    args.out.mkdir(parents=True, exist_ok=True)
    lab_log = open(args.out / "jupyterlab.log", "w")
    lab = start_lab(port, token, work / "settings", lab_log)
    driver = None
    failed = passed = 0
    try:
        deadline = time.time() + 120
        while True:
            try:
                api(port, token, "/api/status")
                break
            except OSError:
                if time.time() > deadline or lab.poll() is not None:
                    log(f"JupyterLab did not start; see {args.out / 'jupyterlab.log'}")
                    return 1
                time.sleep(1)
        log(f"JupyterLab on 127.0.0.1:{port}, headless Chromium")
        driver = browser(work / "profile")
        for spec in args.notebooks:
            name, _, flag = spec.partition(":")
            if run_notebook(driver, port, token, name, flag == "svg", args.timeout, args.out):
                failed += 1
            else:
                passed += 1
    finally:
        if driver is not None:
            driver.quit()
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
        shutil.rmtree(work, ignore_errors=True)
        for leftover in (HERE / ".ipynb_checkpoints").glob(".browser-*"):
            leftover.unlink(missing_ok=True)
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
