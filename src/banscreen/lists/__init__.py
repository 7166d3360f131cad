"""Restricted-party list loaders (one module per format) and the versioned ListStore."""

from __future__ import annotations

from pathlib import Path

from banscreen.lists.bis_dpl import DplLoader
from banscreen.lists.csl_csv import CslCsvLoader
from banscreen.lists.custom_csv import CustomCsvLoader
from banscreen.lists.ftm_json import FtmJsonLoader
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.lists.ofac_csv import OfacCsvLoader
from banscreen.lists.ofac_xml import OfacXmlLoader
from banscreen.lists.telecom_yaml import TelecomYamlLoader

LOADERS: dict[str, type[ListLoader]] = {
    cls.format: cls for cls in (OfacXmlLoader, OfacCsvLoader, CslCsvLoader, DplLoader, TelecomYamlLoader,
                                  FtmJsonLoader, CustomCsvLoader)
}


def loader_for(path: Path, format: str | None = None) -> ListLoader:
    """The loader named by `format`, or the one whose sniff recognises `path`."""
    if format:
        try:
            return LOADERS[format]()
        except KeyError:
            raise ListError(f"unknown list format {format!r}; known: {', '.join(LOADERS)}") from None
    if not path.exists():
        raise ListError(f"{path}: no such file or folder")
    for cls in LOADERS.values():
        if cls.sniff(path):
            return cls()
    raise ListError(f"{path}: cannot tell the list format; name it with --format ({', '.join(LOADERS)})")


__all__ = ["LOADERS", "ListError", "ListLoader", "LoadResult", "loader_for",
           "OfacCsvLoader", "OfacXmlLoader", "CslCsvLoader", "DplLoader", "TelecomYamlLoader"]
