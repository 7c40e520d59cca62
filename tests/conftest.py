"""What every test shares: its own cache folder for ``derivator check``.

``check`` keeps verdicts in ``.derivator_cache`` of the project root (or of the working folder);
a test runs it from the repository or from a temporary folder, in parallel with others
(pytest-xdist).  Each test gets a cache folder of its own through ``DERIVATOR_CACHE_DIR``
(inherited by the processes it starts), so no test reads what another wrote, none writes into the
checkout, and a test of the cache itself names its folder explicitly.

A hang fails fast: every test has ``timeout`` seconds (pyproject.toml), except those marked
``slow`` (the mutation suite, the fuzz, the articles compiled and rendered), which get
``SLOW_TIMEOUT``: on two busy cores they legitimately take minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: seconds a test marked ``slow`` may take (the others: ``timeout`` in pyproject.toml)
SLOW_TIMEOUT = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))


@pytest.fixture(autouse=True)
def _own_check_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path_factory.mktemp("derivator-cache")
    monkeypatch.setenv("DERIVATOR_CACHE_DIR", str(folder))
    return folder
