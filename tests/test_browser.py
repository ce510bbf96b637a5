"""The sparsity explorer in a real browser: JupyterLab headless on loopback, driven in Chromium by playwright-core.

Needs Debian's chromium (`apt-get install chromium`, or $APT_CHROMIUM) and `npm ci --prefix tests/browser`;
`.ci/run` installs both. Without them the test is skipped with the reason, except under CI=true, where a skip is
a failure. The screenshot is saved to .test_artifacts/browser/explorer.png.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROWSER_DIR = ROOT / "tests" / "browser"
NOTEBOOK = ROOT / "nbs" / "18_explorer.ipynb"
ARTIFACTS = ROOT / ".test_artifacts" / "browser"


def _chromium():
    return os.environ.get("APT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def missing() -> str | None:
    "Why the browser test cannot run here, or None."
    if not Path(_chromium()).is_file(): return f"no Chromium at {_chromium()} (apt-get install chromium, or set APT_CHROMIUM)"
    if shutil.which("node") is None: return "no node on PATH"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed (npm ci --prefix tests/browser)"
    return None


def notebook_without_slow_cells(src: Path, dst: Path):
    "The notebook as nbdev_test runs it: `#| slow` cells dropped, outputs cleared."
    nb = json.loads(src.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if not (c["cell_type"] == "code" and "".join(c["source"]).lstrip().startswith("#| slow"))]
    for c in cells:
        if c["cell_type"] == "code": c["outputs"], c["execution_count"] = [], None
    nb["cells"] = cells
    dst.write_text(json.dumps(nb), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def _wait_for_server(url: str, proc, timeout: float = 90):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f"jupyter lab exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2): return
        except OSError: time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer at {url} within {timeout} s")


def test_explorer_in_browser(tmp_path):
    why = missing()
    if why:
        if os.environ.get("CI") == "true": pytest.fail(f"browser test cannot run in CI: {why}")
        pytest.skip(f"browser test skipped: {why}")
    root = tmp_path / "lab"; root.mkdir()
    notebook_without_slow_cells(NOTEBOOK, root / "explorer.ipynb")
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               IPYTHONDIR=str(tmp_path / "ipython"))
    env.pop("MPLBACKEND", None)   # the kernel uses matplotlib's inline backend, as for a user (run_all.py sets Agg)
    news = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True); news.write_text('{"fetchNews": "false"}')   # no "get notified of Jupyter news?" toast
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_server(url, server)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "explorer.png"
        run = subprocess.run(["node", str(BROWSER_DIR / "explorer.mjs"), url + "lab/tree/explorer.ipynb", str(shot), _chromium()],
                             cwd=BROWSER_DIR, capture_output=True, text=True, timeout=420)
        lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
        assert lines, f"the browser driver printed no result:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
        res = json.loads(lines[-1])
        assert res["ok"], f"{res.get('error')}\n(screenshot: {shot}; server log: {(tmp_path / 'jupyter.log').read_text()[-2000:]})"
        before, after = res["before"], res["after"]
        assert before["slider"] == "60%" and after["slider"] == "80%", (before["slider"], after["slider"])
        assert "dev accuracy" in after["readout"] and after["readout"] != before["readout"]
        assert after["plot"] != before["plot"]
        assert shot.is_file() and shot.stat().st_size > 10_000
    finally:
        try: os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        try: server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL); server.wait()
        log.close()
