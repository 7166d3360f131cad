"""Output formats, one module each, behind `Formatter`."""

from banscreen.report.context import ReportContext
from banscreen.report.csv_flat import CsvFormat
from banscreen.report.html import HtmlFormat
from banscreen.report.interface import Formatter, RunSummary
from banscreen.report.json_lines import JsonLinesFormat
from banscreen.report.sarif import SarifFormat
from banscreen.report.table import TableFormat

FORMATS: dict[str, type[Formatter]] = {
    f.format: f for f in (TableFormat, JsonLinesFormat, CsvFormat, HtmlFormat, SarifFormat)
}

__all__ = ["FORMATS", "Formatter", "ReportContext", "RunSummary", "TableFormat", "JsonLinesFormat", "CsvFormat",
           "HtmlFormat", "SarifFormat"]
