"""Output formats, one module each, behind `Formatter`."""

from banscreen.report.csv_flat import CsvFormat
from banscreen.report.interface import Formatter, RunSummary
from banscreen.report.json_lines import JsonLinesFormat
from banscreen.report.table import TableFormat

FORMATS: dict[str, type[Formatter]] = {f.format: f for f in (TableFormat, JsonLinesFormat, CsvFormat)}

__all__ = ["FORMATS", "Formatter", "RunSummary", "TableFormat", "JsonLinesFormat", "CsvFormat"]
