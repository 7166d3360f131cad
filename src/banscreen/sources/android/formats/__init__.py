"""Byte-level Android formats: APK (zip, binary XML, DEX, resources, signing blocks),
ext2/3/4 filesystems, sparse images, A/B OTA payloads and block-based OTAs. Each parser
knows its format and its limits, nothing of scan units or findings."""
