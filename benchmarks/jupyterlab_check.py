"""Run every notebook the way a new user does: JupyterLab in a real (headless) browser.

For each notebook: open it in JupyterLab, wait for its kernel, click
Run > Run All Cells, wait until every cell has run, then check what the page
shows and take screenshots down the notebook. Prints one line per notebook
(kernel shown in the toolbar, cells, error outputs, progress-bar widgets,
seconds) and writes the screenshots and ``report.json`` to ``--out``.

The notebooks run on copies (in a temporary checkout next to ``corpus/`` and
``tests/data/``), so JupyterLab's autosave never writes outputs into the
repository; ``import civictext`` imports this checkout (``PYTHONPATH``).
JupyterLab listens on 127.0.0.1 only, with a random token.

Needs Chromium and chromedriver (Debian: ``apt-get install -y chromium
chromium-driver``) and Selenium (``pip install selenium``, in any virtual
environment: it is not a civictext dependency). Exits 0 with a message where
Chromium is absent.

    /path/to/selenium-venv/bin/python benchmarks/jupyterlab_check.py \\
        --out /tmp/lab-check [--only 01,06] [--param 06:LIMIT=20000] [--fallback]

``--fallback`` hides the civictext kernel from JupyterLab (only ``python3``
allowed), to see what a plain Jupyter does with the notebooks' kernel metadata.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(tmp: Path, params: dict[str, dict[str, str]]) -> Path:
    """A throwaway checkout: notebooks/, corpus/, tests/data/ (read by the notebooks)."""
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    shutil.copytree(ROOT / "tests" / "data", tmp / "tests" / "data")
    for stem, values in params.items():  # papermill-style: override in the parameters cell
        nb_path = next((tmp / "notebooks").glob(f"{stem}*.ipynb"))
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                src = "".join(cell["source"])
                for key, value in values.items():
                    src, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", src, flags=re.M)
                    if not n:
                        raise SystemExit(f"{nb_path.name}: no parameter {key}")
                cell["source"] = src
        nb_path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
        # the paired .py is now older than the .ipynb: jupytext would refuse to open it
        nb_path.with_suffix(".py").unlink()
    # a probe: does a tqdm.auto bar (what civictext's progress=True uses) show as a widget?
    probe = {"cells": [{"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {},
                        "outputs": [], "source": "import time\nfrom tqdm.auto import tqdm\n"
                        "for _ in tqdm(range(20), desc='probe'):\n    time.sleep(0.05)"}],
             "metadata": json.loads((tmp / "notebooks" / "01_corpus_overview.ipynb")
                                    .read_text(encoding="utf-8"))["metadata"],
             "nbformat": 4, "nbformat_minor": 5}
    (tmp / "notebooks" / "00_progress_probe.ipynb").write_text(json.dumps(probe), encoding="utf-8")
    # no per-cell virtualisation: every cell is in the page, so it can be checked
    settings = tmp / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = tmp / "lab-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return tmp / "notebooks"


def _start_lab(nb_dir: Path, tmp: Path, fallback: bool) -> tuple[subprocess.Popen, str, str]:
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    cmd = [str(VENV_PY), "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={nb_dir}",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if fallback:
        cmd.append("--KernelSpecManager.allowed_kernelspecs=python3")
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=nb_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded 2-core machine can take minutes
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            req = urllib.request.Request(f"{base}/api/status",
                                         headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(req, timeout=2).read()  # noqa: S310 (loopback)
            return proc, base, token
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    log.close()
    tail = (tmp / "lab.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    raise SystemExit(f"JupyterLab did not start within 300 s; the end of its log:\n{tail}")


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-gpu"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def _js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def _click_menu(driver, top: str, item: str) -> None:
    from selenium.webdriver.common.by import By

    for el in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"):
        if el.text.strip() == top:
            el.click()
            break
    else:
        raise RuntimeError(f"no menu {top!r}")
    time.sleep(0.5)
    for el in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel"):
        if el.text.strip() == item:
            el.click()
            return
    raise RuntimeError(f"no menu item {item!r} under {top!r}")


def _accept_dialog(driver) -> None:
    """Click a dialog's accept button (the choice JupyterLab proposes), as a user would."""
    from selenium.webdriver.common.by import By

    buttons = (driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept")
               or driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog button"))
    if buttons:
        buttons[-1].click()
        time.sleep(5)


def _state(driver) -> dict:
    return _js(driver, """
const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
if (!nb) return null;
const prompts = [...nb.querySelectorAll('.jp-Cell.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
const errors = [...nb.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')].map(e => e.textContent.slice(0, 400));
const stderr = [...nb.querySelectorAll('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent.slice(0, 300));
const kernel = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName')].filter(e => e.offsetParent !== null)[0];
const status = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
const dialog = document.querySelector('.jp-Dialog');
return {prompts, errors, stderr,
        kernel: kernel ? kernel.textContent.trim() : '',
        busy: status ? status.getAttribute('data-status') : '',
        dialog: dialog ? dialog.textContent.slice(0, 300) : '',
        widgets: nb.querySelectorAll('.widget-hprogress, .widget-progress, progress').length,
        images: nb.querySelectorAll('.jp-OutputArea-output img').length,
        tables: nb.querySelectorAll('.jp-OutputArea-output table').length};
""")


def _screens(driver, out: Path, stem: str, max_shots: int) -> list[str]:
    scroller = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    height = _js(driver, f"const s=document.querySelector('{scroller}'); return s ? s.scrollHeight : 0;")
    view = _js(driver, f"const s=document.querySelector('{scroller}'); return s ? s.clientHeight : 1;")
    shots, top = [], 0
    while top < max(height, 1) and len(shots) < max_shots:
        _js(driver, f"document.querySelector('{scroller}').scrollTop = arguments[0];", top)
        time.sleep(0.6)
        name = f"{stem}_{len(shots):02d}.png"
        driver.save_screenshot(str(out / name))
        shots.append(name)
        top += int(view * 0.9)
    return shots


def check(nb_dir: Path, base: str, token: str, out: Path, only: list[str], timeout: float,
          max_shots: int) -> list[dict]:
    driver = _driver()
    results = []
    try:
        for nb in sorted(nb_dir.glob("[0-9][0-9]_*.ipynb")):
            if only and nb.name[:2] not in only and nb.name[:2] != "00":
                continue
            driver.get(f"{base}/lab/tree/{nb.name}?token={token}")
            start = time.monotonic()
            state = None
            while time.monotonic() - start < 90:  # kernel started and idle
                state = _state(driver)
                if state and (state["dialog"] or (state["kernel"] not in ("", "No Kernel")
                                                  and state["busy"] == "idle")):
                    break
                time.sleep(1)
            dialog = state["dialog"] if state else ""
            if not dialog:  # a dialog can come up after the toolbar already names the kernel
                time.sleep(3)
                dialog = (_state(driver) or {}).get("dialog", "")
            if dialog:  # e.g. "Select Kernel": accept the proposed choice, as a user would
                driver.save_screenshot(str(out / f"{nb.stem}_dialog.png"))
                _accept_dialog(driver)
            kernel_shown = _state(driver)["kernel"]
            _click_menu(driver, "Run", "Run All Cells")
            t0 = time.monotonic()
            late_dialogs = 0
            while time.monotonic() - t0 < timeout:
                time.sleep(2)
                state = _state(driver)
                if state["dialog"] and late_dialogs < 3:  # came up while the cells waited
                    late_dialogs += 1
                    dialog = dialog or state["dialog"]
                    driver.save_screenshot(str(out / f"{nb.stem}_dialog{late_dialogs}.png"))
                    _accept_dialog(driver)
                    _click_menu(driver, "Run", "Run All Cells")
                    continue
                if state["prompts"] and all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"]) \
                        and state["busy"] == "idle":
                    break
                if state["errors"]:
                    break
            seconds = time.monotonic() - t0
            time.sleep(2)  # let the last outputs render
            state = _state(driver)
            shots = _screens(driver, out, nb.stem, max_shots)
            row = {"notebook": nb.stem, "kernel_shown": kernel_shown, "dialog": dialog,
                   "cells": len(state["prompts"]),
                   "cells_run": sum(bool(re.fullmatch(r"\[\d+\]:", p)) for p in state["prompts"]),
                   "errors": state["errors"], "stderr": state["stderr"][:5],
                   "progress_widgets": state["widgets"], "images": state["images"],
                   "tables": state["tables"], "seconds": round(seconds, 1), "screenshots": shots}
            results.append(row)
            print(f"{nb.stem}: kernel {kernel_shown!r}; {row['cells_run']}/{row['cells']} cells "
                  f"run; {len(row['errors'])} error output(s); {row['progress_widgets']} "
                  f"progress widget(s); {row['images']} images, {row['tables']} tables; "
                  f"{seconds:.0f} s" + (f"; dialog: {dialog[:80]!r}" if dialog else ""),
                  flush=True)
            _click_menu(driver, "Kernel", "Shut Down Kernel")
            time.sleep(1)
    finally:
        driver.quit()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for screenshots + report.json")
    ap.add_argument("--only", default="", help="notebook numbers, e.g. 01,06")
    ap.add_argument("--param", action="append", default=[],
                    help="NN:NAME=VALUE (Python literal) set in notebook NN's parameters cell")
    ap.add_argument("--fallback", action="store_true",
                    help="hide the civictext kernel (a plain Jupyter)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per notebook")
    ap.add_argument("--max-shots", type=int, default=12)
    args = ap.parse_args(argv)
    if not (CHROMIUM and CHROMEDRIVER):
        print("Chromium or chromedriver not found: nothing checked "
              "(apt-get install -y chromium chromium-driver)")
        return 0
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("selenium not installed here: pip install selenium (any venv)")
        return 0
    params: dict[str, dict[str, str]] = {}
    for p in args.param:
        stem, _, assign = p.partition(":")
        key, _, value = assign.partition("=")
        params.setdefault(stem, {})[key] = value
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civictext-lab-") as tmp:
        nb_dir = _prepare(Path(tmp), params)
        proc, base, token = _start_lab(nb_dir, Path(tmp), args.fallback)
        try:
            results = check(nb_dir, base, token, args.out,
                            [x for x in args.only.split(",") if x], args.timeout, args.max_shots)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            if (Path(tmp) / "lab.log").exists():  # JupyterLab's own log, for dialogs and errors
                shutil.copy(Path(tmp) / "lab.log", args.out / "lab.log")
    (args.out / "report.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    bad = [r["notebook"] for r in results if r["errors"] or r["cells_run"] < r["cells"]]
    print(f"{len(results)} notebooks; problems: {bad or 'none'}; screenshots in {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
