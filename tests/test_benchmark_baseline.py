"""benchmarks.baseline: another revision's matcher timed on the same queries."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import baseline

REPO = Path(__file__).resolve().parents[1]
NAMES = ["Huawei Technologies Co Ltd", "Jane Doe", "ZTE Corporation Shenzhen Branch", "Mahan Airlines"] * 5


def _git_checkout() -> bool:
    run = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "HEAD"], capture_output=True, check=False)
    return run.returncode == 0


@pytest.mark.skipif(not _git_checkout(), reason="needs the repository's git history")
def test_a_revision_is_unpacked_and_timed_in_its_own_process():
    out = baseline.measure("HEAD", REPO, NAMES, [1, 2])
    assert "error" not in out, out
    assert len(out["commit"]) == 40 and out["names"] == len(NAMES)
    assert set(out["names_per_second"]) == {1, 2}
    assert all(rate > 0 for rate in out["names_per_second"].values())


def test_an_unknown_revision_is_reported_not_raised():
    out = baseline.measure("no-such-revision-anywhere", REPO, NAMES, [1])
    assert out["rev"] == "no-such-revision-anywhere" and "error" in out


def test_a_tree_that_is_not_banscreen_is_an_error(tmp_path):
    (tmp_path / "src").mkdir()
    out = baseline.measure_tree(tmp_path, NAMES, [1])
    assert "error" in out and "names_per_second" not in out
