"""Screening beyond one process: a Dask cluster (dask_screen), partitioned output (output)."""
