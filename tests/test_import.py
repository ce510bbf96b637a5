"""`import apt_nb` stays fast and lazy (CONTRACT: < 1 s beyond torch; transformers only when used)."""
import subprocess
import sys

import apt_nb

CODE = """
import sys, time
t = time.perf_counter(); import apt_nb; dt = time.perf_counter() - t
heavy = [m for m in ("transformers", "evaluate", "datasets", "torch") if m in sys.modules]
print(dt, ",".join(heavy))
"""


def test_import_is_fast_and_lazy():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) < 1.0
    assert len(out) == 1, f"import apt_nb loaded {out[1]}"


def test_every_public_name_resolves():
    import importlib, types
    for mod in apt_nb._LAZY:
        importlib.import_module(f"apt_nb.{mod}")   # a submodule named like a public function would shadow it
    for name in apt_nb.__all__:
        assert not isinstance(getattr(apt_nb, name), types.ModuleType), name
    assert apt_nb.load_task is apt_nb.data.load_task
    assert callable(apt_nb.compress)


def test_unknown_name_is_an_attribute_error():
    try:
        apt_nb.no_such_name
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def test_version_matches_settings():
    import configparser
    from pathlib import Path
    cfg = configparser.ConfigParser()
    cfg.read(Path(apt_nb.__file__).parent.parent / "settings.ini")
    assert apt_nb.__version__ == cfg["DEFAULT"]["version"]


def test_no_public_name_is_shadowed_by_a_submodule():
    "Importing a submodule sets it as an attribute of the package: no public name may equal a module name."
    import importlib
    import pkgutil
    import types
    import apt_nb
    modules = {m.name for m in pkgutil.iter_modules(apt_nb.__path__)}
    assert not modules & set(apt_nb.__all__), modules & set(apt_nb.__all__)
    from apt_nb import report, train   # report imports the module that defines train first
    assert not isinstance(train, types.ModuleType) and callable(train) and callable(report)
    importlib.import_module("apt_nb.training")
