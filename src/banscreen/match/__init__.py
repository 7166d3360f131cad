"""Pure matching: no I/O, no knowledge of files, stores or the CLI."""
