"""Android inputs: adb captures, a live device, AndroidQF acquisitions, APKs, firmware
folders, partition images, firmware and OTA zips. Each kind has one module; `detect.py`
tells them apart and `read` turns any of them into scan units. Byte-level formats (APK,
ext4, sparse, A/B payload, block OTA) live in `formats/` and know nothing of scan units."""

from banscreen.sources.android.captures import PARSERS
from banscreen.sources.android.detect import BINARY_READERS, detect, read

__all__ = ["BINARY_READERS", "PARSERS", "detect", "read"]
