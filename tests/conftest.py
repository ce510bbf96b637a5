import pytest

from apt_nb.data import resolve_data_dir


@pytest.fixture(scope="session")
def shared_data():
    "The shared data root, or skip when it is absent."
    root = resolve_data_dir()
    if root is None:
        pytest.skip("../shared/data is absent (set APT_DATA_DIR to run data tests)")
    return root
