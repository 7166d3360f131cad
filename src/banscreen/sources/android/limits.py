"""Size limits shared by the firmware readers: what one partition image, or all of a
firmware zip, may unpack to before it is refused."""

MAX_IMAGE = 16 * 2**30  # one partition image, unpacked from a zip or rebuilt from an OTA
MAX_FIRMWARE_TOTAL = 64 * 2**30
