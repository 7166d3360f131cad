"""Screening on a local Dask cluster: the same answers as one process, also when a
worker dies mid-run; partitioned JSON Lines and Parquet output."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import threading

import pytest

pytest.importorskip("distributed", reason="pip install -e '.[test]' brings distributed")

from banscreen.report.records import row_record  # noqa: E402
from banscreen.scale.dask_screen import DaskError, connect, parse_spec, screen_on_cluster  # noqa: E402
from banscreen.scale.output import batch_record, write_path  # noqa: E402
from banscreen.screen import ScreenOptions, open_screener  # noqa: E402
from banscreen.sources import read_parties  # noqa: E402
from benchmarks.make_names import generate  # noqa: E402


@pytest.fixture(scope="module")
def client():
    c = connect("local:2", memory_limit="2GiB")
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def parties_file(tmp_path_factory, bundled_home):
    """A few thousand generated parties (real list names perturbed, and negatives),
    with two malformed rows in the middle."""
    from banscreen.lists.store import ListStore

    store = ListStore(bundled_home)
    entries = [e for v in store.select(dt.date.today()).versions for e in store.entries(v)]
    rows = [f"{i},\"{q.query.replace(chr(34), '')}\",{q.country}" for i, q in
            enumerate(generate(entries, 3000, seed=17), 1)]
    rows.insert(1200, "bad,row,with,too,many,fields")
    rows.insert(2500, "another,bad,one,here")
    path = tmp_path_factory.mktemp("dask") / "parties.csv"
    path.write_text("id,name,country\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def screener(bundled_home):
    from banscreen.lists.store import ListStore

    s, _ = open_screener(ListStore(bundled_home), ScreenOptions(as_of=dt.date(2026, 11, 28)))
    return s


def records(items) -> list[dict]:
    return [json.loads(json.dumps(row_record(i))) for i in items]


def test_same_answers_as_one_process(client, screener, parties_file):
    local = records(screener.screen_all(read_parties(parties_file)))
    remote = records(screen_on_cluster(client, screener, read_parties(parties_file), chunk_rows=250))
    assert len(remote) == len(local) == 3002
    assert remote == local  # row for row, unreadable rows in place
    assert [r["line"] for r in remote if r.get("error")] == [1202, 2502]
    assert sum(1 for r in remote if r.get("matches")) > 500


def test_worker_killed_mid_run_loses_and_repeats_nothing(client, screener, parties_file):
    local = records(screener.screen_all(read_parties(parties_file)))
    killed = threading.Event()

    def kill_a_busy_worker(_rows):
        if killed.is_set():
            return
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            killed.set()
            try:  # the worker process exits while it holds tasks; its nanny starts a new one
                client.run(os._exit, 1, workers=[random.choice(busy)], wait=False)
            except Exception:
                pass

    remote = records(screen_on_cluster(client, screener, read_parties(parties_file), chunk_rows=100,
                                       on_chunk=kill_a_busy_worker))
    assert killed.is_set()
    assert remote == local
    rows = [r["row"] for r in remote if r["row"] is not None]
    assert rows == sorted(set(rows))  # each row once


def test_partitioned_and_parquet_output(client, screener, parties_file, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    local = [json.loads(json.dumps(batch_record(i))) for i in screener.screen_all(read_parties(parties_file))]
    parts = tmp_path / "parts"
    write_path(screen_on_cluster(client, screener, read_parties(parties_file), chunk_rows=500), parts, "json", 1000)
    files = sorted(parts.glob("part-*.jsonl"))
    assert [f.name for f in files] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl",
                                       "part-00003.jsonl"]
    written = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert written == local
    single = tmp_path / "all.parquet"
    summary = write_path(screen_on_cluster(client, screener, read_parties(parties_file)), single, "parquet")
    table = pq.read_table(single).to_pylist()
    assert summary.rows == len(table) == 3002
    for rec, row in zip(local, table):
        assert row["row"] == rec["row"] and row["line"] == rec["line"]
        assert json.loads(row["matches"]) == rec["matches"]
        assert row["error"] == rec.get("error")


def test_parquet_input_reads_back(screener, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"name": ["ZTE Corporation", "Nordic Fibre Networks AB"], "country": ["CN", "SE"]}), path)
    results = list(screener.screen_all(read_parties(path)))
    assert [r.subject.line for r in results] == [1, 2]
    assert results[0].matches and not results[1].matches


def test_spec_parsing_and_unreachable_scheduler():
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("local")[0] == "local"
    assert parse_spec("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    with pytest.raises(DaskError):
        parse_spec("local:0")
    with pytest.raises(DaskError, match="cannot reach"):
        connect("tcp://127.0.0.1:9", timeout="2s")


def test_cli_with_dask(bundled_home, tmp_path, monkeypatch, capsys):
    import sys

    from banscreen import cli

    f = tmp_path / "p.csv"
    f.write_text("name,country\nZTE Corporation,CN\nNordic Fibre Networks AB,SE\n")
    out = tmp_path / "out.parquet"
    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "parties", str(f), "--dask", "local:1", "-f", "parquet",
                                      "-o", str(out), "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    assert "Dask: 1 workers" in capsys.readouterr().err
    import pyarrow.parquet as pq

    assert pq.read_table(out).column("match_count").to_pylist()[1] == 0


def test_parquet_partitions_read_by_the_workers(client, screener, parties_file, tmp_path):
    """A Parquet file of several row groups: each group is read and screened on a
    worker; the results equal a single-process run of the same file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from banscreen.scale.dask_screen import screen_parquet_on_cluster

    rows = [line.split(",", 2) for line in parties_file.read_text().splitlines()[1:]]
    rows = [r for r in rows if len(r) == 3 and r[0].isdigit()][:1500]
    table = pa.table({"id": [r[0] for r in rows], "name": [r[1].strip('"') for r in rows],
                      "country": [r[2] for r in rows]})
    path = tmp_path / "parties.parquet"
    pq.write_table(table, path, row_group_size=200)
    assert pq.ParquetFile(path).metadata.num_row_groups == 8
    local = records(screener.screen_all(read_parties(path)))
    remote = records(screen_parquet_on_cluster(client, screener, path))
    assert len(remote) == 1500 and remote == local
    assert [r["row"] for r in remote] == list(range(1, 1501))


def test_parquet_on_the_cluster_reads_rows_as_a_local_run_does(client, screener, tmp_path):
    """Address, city and postcode columns join the address, ids are stripped, an empty
    name is an error row: the same subjects on the workers as in one process."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from banscreen.scale.dask_screen import screen_parquet_on_cluster

    table = pa.table({"customer_id": ["  C-001 ", "C-002", "C-003"],
                      "name": ["Huawei Technologies Co., Ltd.", "", "Nordic Fibre Networks AB"],
                      "address": ["Bantian", "Main St 1", "Kungsgatan 2"],
                      "city": ["Shenzhen", "Springfield", "Stockholm"],
                      "postcode": ["518129", None, "111 43"],
                      "country": ["CN", "US", "SE"]})
    path = tmp_path / "addresses.parquet"
    pq.write_table(table, path, row_group_size=2)
    local = list(screener.screen_all(read_parties(path)))
    remote = list(screen_parquet_on_cluster(client, screener, path))
    assert records(remote) == records(local)
    first = remote[0].subject
    assert first.id == "C-001" and first.address == "Bantian, Shenzhen, 518129"
    assert remote[1].reason == "empty name in column 'name'" and remote[1].line == 2
    assert remote[2].subject.address == "Kungsgatan 2, Stockholm, 111 43"
