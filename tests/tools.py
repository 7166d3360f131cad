"""Debian command-line tools some tests drive (mke2fs, img2simg, mkfs.erofs): found on PATH, else
installed with apt-get when running as root (as CI does), else the test skips and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

import pytest

# binary -> Debian package
PACKAGES = {"mke2fs": "e2fsprogs", "img2simg": "android-sdk-libsparse-utils", "mkfs.erofs": "erofs-utils",
            "fsck.erofs": "erofs-utils"}


@lru_cache(maxsize=None)
def _install(package: str) -> str | None:
    """None when installed, else why not."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "this user cannot apt-get install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "install", "-y", "-q", package], ["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", package]):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if r.returncode == 0 and cmd[1] == "install":
            return None
    return f"apt-get install {package} failed: {r.stderr[-300:]}"


def require(binary: str) -> str:
    """The tool's path; installs its package where missing, or skips the test."""
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin:/usr/bin")
    if path:
        return path
    why = _install(PACKAGES[binary])
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin:/usr/bin")
    if path is None:
        pytest.skip(f"{binary} (Debian package {PACKAGES[binary]}) is missing and {why or 'was not found after install'}")
    return path
