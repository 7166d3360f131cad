"""The parties of a `/v1/screen/batch` request, read as a stream: a CSV upload
(multipart field `file`, or a `text/csv` body) or a JSON array. Starlette spools an
upload to disk past 1 MiB and the CSV rows are read one at a time as the answer streams,
so a batch costs memory per row, not per file. A row that cannot be screened (no name,
a name too long, more fields than the header, bytes that are not UTF-8, a NUL) is an
error record in its place, as the CLI reports it, and the rest goes on."""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from pydantic import ValidationError

from banscreen.model import LoadIssue
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular import CsvRows
from banscreen.sources.tabular.interface import without_nul

log = logging.getLogger(__name__)
SPOOL_BYTES = 1 << 20


@dataclass(frozen=True)
class RowError:
    """A batch row that was not screened, and why."""
    row: int
    line: int | None
    error: str

    def record(self) -> dict:
        return {"row": self.row, "line": self.line, "error": self.error}


async def batch_items(request: Request, party_model) -> Iterator:
    """The batch's items in order, each a `party_model` or a RowError; an HTTPException
    (4xx) for a body that is not a batch at all. Read only after the key was checked."""
    kind, body = await _batch_body(request, "{name, country, address, as_of}")
    if kind == "csv":
        binary, filename = body
        return _csv_items(binary, party_model, filename)
    return _json_items(body, party_model)


async def shipment_batch_items(request: Request, shipment_model, from_row) -> Iterator:
    """A shipment batch's items in order: each a `shipment_model` (a JSON array's
    objects), a `Shipment` (a CSV's rows, columns found as `screen shipments` finds
    them, through `from_row`), or a RowError."""
    kind, body = await _batch_body(request, "shipments ({shipment_id, parties, destination_country, eccn, "
                                            "ship_date})")
    if kind == "csv":
        binary, filename = body
        return _csv_shipments(binary, filename, from_row)
    return _json_shipments(body, shipment_model)


async def _batch_body(request: Request, expected: str) -> tuple[str, object]:
    """("csv", (binary file, name)) or ("json", the parsed array)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "expected a CSV file in the multipart field 'file'")
        return "csv", (upload.file, upload.filename or "upload.csv")
    if kind in ("text/csv", "text/plain"):
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        return "csv", (spool, "body.csv")
    try:
        raw = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:
        log.info("batch body refused: %s", type(exc).__name__)
        raise HTTPException(422, f"expected a JSON array of {expected}, or a CSV upload") from None
    if not isinstance(raw, list):
        raise HTTPException(422, f"expected a JSON array of {expected}")
    return "json", raw


def _json_shipments(raw: list, shipment_model) -> Iterator:
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            yield RowError(number, None, "not a shipment object")
            continue
        try:
            yield shipment_model.model_validate(item)
        except ValidationError as exc:
            yield RowError(number, None, _first_problem(exc))


def _csv_shipments(binary, filename: str, from_row) -> Iterator:
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    source = Path(Path(filename).name or "upload.csv")
    number = 0
    try:
        for item in without_nul(CsvRows(encoding="utf-8").read(text, source), source.name):
            number += 1
            if isinstance(item, LoadIssue):
                yield RowError(number, item.line, _utf8_advice(item.reason))
                continue
            shipment = from_row(number, item.line, item.fields, source.name)
            yield RowError(number, shipment.line, shipment.reason) if isinstance(shipment, LoadIssue) else shipment
    except SourceError as exc:  # the whole file is unusable: one error record says why
        yield RowError(number or 1, exc.line, exc.message)
    finally:
        text.close()


def _utf8_advice(reason: str) -> str:
    # the CLI's advice names --encoding; here there is none
    return "not valid UTF-8 text: send the CSV in UTF-8" if reason.startswith("not valid") else reason


def _first_problem(exc: ValidationError) -> str:
    problem = exc.errors()[0]
    where = ".".join(str(p) for p in problem.get("loc", ())) or "row"
    return f"{where}: {problem.get('msg', 'invalid')}"


def _json_items(raw: list, party_model) -> Iterator:
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            yield RowError(number, None, "not an object with a name")
            continue
        yield _party(number, None, item, party_model)


def _csv_items(binary, party_model, filename: str) -> Iterator:
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    source = Path(Path(filename).name or "upload.csv")
    reader = CsvRows(encoding="utf-8")
    number, named = 0, False
    try:
        items = without_nul(reader.read(text, source), source.name)
        for item in items:
            number += 1
            if isinstance(item, LoadIssue):
                yield RowError(number, item.line, _utf8_advice(item.reason))
                continue
            fields = {k.strip().lower(): v for k, v in item.fields.items()}
            if not named:
                if "name" not in fields:
                    raise SourceError(source, f"the CSV needs a 'name' column (columns: {', '.join(fields)})", 1)
                named = True
            yield _party(number, item.line, fields, party_model)
    except SourceError as exc:  # the whole file is unusable: one error record says why
        yield RowError(number or 1, exc.line, exc.message)
    finally:
        text.close()


def _party(number: int, line: int | None, fields: dict, party_model):
    if not isinstance(fields.get("name"), str) or not fields["name"].strip():
        return RowError(number, line, "empty name: nothing to screen")
    try:
        return party_model.model_validate({k: v for k, v in fields.items() if k in party_model.model_fields})
    except ValidationError as exc:
        return RowError(number, line, _first_problem(exc))
