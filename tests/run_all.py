"""The whole test run, as `make test` and CI call it.

In order: `nbdev_export` (fail if the package changes: it was out of sync with the notebooks),
`nbdev_clean` (fail if a notebook changes: it was not clean), README.md in sync with nbs/index.ipynb,
`nbdev_test --timing` on every notebook, `pytest tests/` (the browser test included: skipped with its reason
when Chromium or playwright-core is missing, a failure under CI=true). Runs offline (HF_HUB_OFFLINE=1,
HF_DATASETS_OFFLINE=1, a temporary HF_HOME), one torch thread per process. Ends with one line,
`N passed, M failed`, counting notebooks and pytest tests together; exits non-zero on any failure.

`python tests/run_all.py --write-readme` regenerates README.md from nbs/index.ipynb and exits.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def readme_from_index(nb_path=ROOT / "nbs" / "index.ipynb") -> str:
    "README.md's text: index.ipynb's markdown cells, its visible code cells as python blocks with their text output."
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(src.strip())
            continue
        lines = src.splitlines()
        if any(re.match(r"#\|\s*(hide|exporti?)\b", l) for l in lines):
            continue
        code = "\n".join(l for l in lines if not l.startswith("#|")).strip()
        if code:
            parts.append(f"```python\n{code}\n```")
        text = "".join("".join(o.get("text", "")) if o["output_type"] == "stream"
                       else "".join(o.get("data", {}).get("text/plain", "")) + "\n"
                       for o in cell.get("outputs", []) if o["output_type"] in ("stream", "execute_result"))
        if text.strip():
            parts.append(f"```\n{text.rstrip()}\n```")
    return "<!-- generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file -->\n\n" + "\n\n".join(parts) + "\n"


def _porcelain():
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def _run(cmd, env=None):
    print("$", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def _changed_by(cmd, what):
    before = _porcelain()
    rc = _run(cmd)
    after = _porcelain()
    if rc != 0:
        return f"{cmd[0]} failed (exit {rc})"
    if after != before:
        diff = set(after.splitlines()) ^ set(before.splitlines())
        return f"{what}: {cmd[0]} changed {sorted(diff)}; run `{cmd[0]}` and commit the result"
    return None


def notebooks():
    "The notebooks nbdev_test runs (names starting with _ or . are skipped, as nbdev does)."
    return sorted(p for p in (ROOT / "nbs").rglob("*.ipynb")
                  if not any(part.startswith((".", "_")) for part in p.relative_to(ROOT / "nbs").parts))


def main(argv):
    if "--write-readme" in argv:
        (ROOT / "README.md").write_text(readme_from_index(), encoding="utf-8")
        print("wrote README.md from nbs/index.ipynb")
        return 0
    problems = []
    for cmd, what in (([str(BIN / "nbdev_export")], "package out of sync with the notebooks"),
                      ([str(BIN / "nbdev_clean")], "notebooks not clean")):
        p = _changed_by(cmd, what)
        if p: problems.append(p)
    if (ROOT / "README.md").read_text(encoding="utf-8") != readme_from_index():
        problems.append("README.md is not in sync with nbs/index.ipynb: run `make readme`")
    for p in problems:
        print("CHECK FAILED:", p, flush=True)

    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1", MPLBACKEND="Agg", PYTHONHASHSEED="0",
               TOKENIZERS_PARALLELISM="false")
    with tempfile.TemporaryDirectory(prefix="apt_nb_test_") as tmp:
        env["HF_HOME"] = str(Path(tmp) / "hf")
        env.setdefault("APT_CACHE_DIR", str(Path.home() / ".cache" / "apt_nb"))
        nbs = notebooks()
        out = subprocess.run([str(BIN / "nbdev_test"), "--timing"], cwd=ROOT, env=env, capture_output=True, text=True)
        sys.stdout.write(out.stdout); sys.stderr.write(out.stderr[-20000:])
        failed_nbs = set(re.findall(r"^\t(\S+\.ipynb)$", out.stderr, re.M))
        if out.returncode != 0 and not failed_nbs:
            failed_nbs = {"nbdev_test (did not run)"}
        nb_pass, nb_fail = len(nbs) - len(failed_nbs & {p.name for p in nbs}), len(failed_nbs)

        junit = Path(tmp) / "pytest.xml"
        _run([str(BIN / "python"), "-m", "pytest", "tests", "-q", "-rs", "-p", "no:cacheprovider", f"--junitxml={junit}"], env=env)
        py_pass = py_fail = 0
        skipped = []
        if junit.exists():
            root = ET.parse(junit).getroot()
            for s in root.iter("testsuite"):
                total, fails = int(s.get("tests", 0)), int(s.get("failures", 0)) + int(s.get("errors", 0))
                py_fail += fails; py_pass += total - fails - int(s.get("skipped", 0))
            skipped = [f"{c.get('name')}: {k.get('message', '')}" for c in root.iter("testcase") for k in c.iter("skipped")]
        else:
            py_fail += 1
    failed = nb_fail + py_fail + len(problems)
    for line in skipped: print("SKIPPED", line)
    print(f"\nnotebooks: {nb_pass} passed, {nb_fail} failed; pytest: {py_pass} passed, {py_fail} failed; "
          f"checks: {3 - len(problems)} passed, {len(problems)} failed")
    print(f"{nb_pass + py_pass} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
