"""Reading and writing products and FAQs (JSON, JSONL, CSV, product feeds) and synonym
sets. Pure.

Every problem is reported with the file, the line and a reason a person can act
on; nothing here touches the database, so a rejected file changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from knowledge.schemas import (
    AttributeValue,
    CategoryNamesIn,
    Faq,
    Item,
    Product,
    SynonymSetIn,
    same_terms,
)

Format = Literal["json", "jsonl", "csv", "feed"]
ItemKind = Literal["products", "faqs"]
FORMATS: tuple[Format, ...] = ("json", "jsonl", "csv", "feed")
ATTR_PREFIX = "attr_"
LIST_SEPARATOR = "|"

# Columns of a shopping feed (Google Merchant style) and the product field each fills.
FEED_COLUMNS = {
    "link": "url",
    "image_link": "image_url",
    "product_type": "category",
    "google_product_category": "category",
    "quantity": "stock",
}
FEED_MARKERS = {"link", "image_link", "availability", "product_type", "google_product_category"}
FEED_IGNORED = {"sale_price", "condition", "gtin", "mpn", "identifier_exists", "shipping"}


class RowError(BaseModel):
    file: str
    line: int | None = None
    id: str | None = None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {f'{self.id}: ' if self.id else ''}{self.reason}"


@dataclass
class Parsed:
    items: list[Item] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class FileError(Exception):
    """The file as a whole cannot be read (encoding, broken JSON, empty)."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def detect_format(filename: str, text: str) -> Format:
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")):
        header = {h.strip().lower() for h in re.split(r"[,\t;]", text.split("\n", 1)[0])}
        return "feed" if header & FEED_MARKERS else "csv"
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        first = stripped.split("\n", 1)[0]
        try:
            json.loads(first)
            return "jsonl"
        except ValueError:
            return "json"
    raise FileError(
        RowError(
            file=filename,
            reason="cannot tell the format; name the file .json, .jsonl or .csv or pass --format",
        )
    )


def decode(data: bytes, filename: str, encoding: str | None = None) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with BOM, or the encoding given."""
    label = encoding
    if encoding is None:
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        encoding, label = ("utf-16", "UTF-16") if utf16 else ("utf-8-sig", "UTF-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileError(RowError(file=filename, reason=f"unknown encoding {encoding!r}")) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(
            RowError(
                file=filename,
                line=line,
                reason=f"not valid {label} (byte 0x{data[exc.start]:02x}); save the file as UTF-8 "
                "or name its encoding (--encoding cp1252, latin-1, ...)",
            )
        ) from None


def parse(
    data: bytes,
    *,
    kind: ItemKind,
    filename: str,
    format: Format | None = None,
    encoding: str | None = None,
) -> Parsed:
    """Items and row errors of one file; raises ``FileError`` if the file as a whole is unusable."""
    text = decode(data, filename, encoding)
    if not text.strip():
        raise FileError(RowError(file=filename, reason="the file is empty"))
    fmt = format or detect_format(filename, text)
    if fmt == "feed" and kind != "products":
        raise FileError(RowError(file=filename, reason="a product feed holds products, not FAQs"))
    rows = {"json": _json_rows, "jsonl": _jsonl_rows, "csv": _csv_rows, "feed": _feed_rows}[fmt](
        text, filename, kind
    )
    parsed = Parsed()
    first_line: dict[str, int] = {}
    model: type[Product | Faq] = Product if kind == "products" else Faq
    for line, row in rows:
        if isinstance(row, RowError):
            parsed.errors.append(row)
            continue
        item_id = str(row.get("id", "") or "").strip() or None
        if item_id is None:
            parsed.errors.append(RowError(file=filename, line=line, reason="missing id"))
            continue
        try:
            item = model.model_validate(row)
        except ValidationError as exc:
            parsed.errors.append(
                RowError(file=filename, line=line, id=item_id, reason=_reason(exc))
            )
            continue
        if item.id in first_line:
            parsed.errors.append(
                RowError(
                    file=filename,
                    line=line,
                    id=item.id,
                    reason=f"duplicate id (first on line {first_line[item.id]})",
                )
            )
            continue
        first_line[item.id] = line
        parsed.items.append(item)
        parsed.lines.append(line)
    return parsed


def _reason(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "row"
        value = error.get("input")
        if error["type"] == "missing":
            reasons.append(f"missing {name}")
        elif error["type"] in ("float_parsing", "int_parsing", "float_type", "int_type"):
            reasons.append(f"{name}: {value!r} is not a number")
        elif error["type"] == "extra_forbidden":
            reasons.append(
                f"unknown field {name!r}"
                + (" (put it under attributes)" if name not in Faq.model_fields else "")
            )
        else:
            reasons.append(f"{name}: {error['msg']}")
    return "; ".join(reasons)


Row = tuple[int, dict[str, Any] | RowError]


def _load_json(text: str, filename: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(
            RowError(
                file=filename,
                line=exc.lineno,
                reason=f"broken JSON: {exc.msg} (column {exc.colno})",
            )
        ) from None


def _json_rows(text: str, filename: str, kind: ItemKind) -> Iterator[Row]:
    document = _load_json(text, filename)
    if isinstance(document, dict):
        key = next((k for k in (kind, "items") if isinstance(document.get(k), list)), None)
        if key is None:
            raise FileError(
                RowError(file=filename, reason=f'expected a list of {kind} or {{"{kind}": [...]}}')
            )
        match = re.search(rf'"{key}"\s*:\s*\[', text)
        assert match is not None
        start = match.end() - 1
    elif isinstance(document, list):
        start = text.index("[")
    else:
        raise FileError(RowError(file=filename, reason=f"expected a list of {kind}"))
    for line, value in _elements(text, start):
        yield (
            line,
            value
            if isinstance(value, dict)
            else RowError(file=filename, line=line, reason="expected an object"),
        )


def _elements(text: str, start: int) -> Iterator[tuple[int, Any]]:
    """The elements of the valid JSON array at ``start`` with the line each starts on
    (``json.loads`` keeps no positions)."""
    decoder = json.JSONDecoder()
    position = start + 1
    whitespace = re.compile(r"[\s,]*")
    while True:
        position = whitespace.match(text, position).end()  # type: ignore[union-attr]
        if text[position] == "]":
            return
        value, end = decoder.raw_decode(text, position)
        yield text.count("\n", 0, position) + 1, value
        position = end


def _jsonl_rows(text: str, filename: str, _kind: ItemKind) -> Iterator[Row]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                number,
                RowError(
                    file=filename,
                    line=number,
                    reason=f"broken JSON: {exc.msg} (column {exc.colno})",
                ),
            )
            continue
        yield (
            number,
            value
            if isinstance(value, dict)
            else RowError(file=filename, line=number, reason="expected an object"),
        )


def _csv_reader(text: str) -> csv.DictReader[str]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def _csv_records(
    text: str, filename: str
) -> Iterator[tuple[int, dict[str, str]] | tuple[int, RowError]]:
    reader = _csv_reader(text)
    if not reader.fieldnames:
        raise FileError(RowError(file=filename, line=1, reason="no header row"))
    header = [name.strip() for name in reader.fieldnames]
    if "id" not in header:
        raise FileError(RowError(file=filename, line=1, reason="the header has no 'id' column"))
    reader.fieldnames = header
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, RowError(file=filename, line=line, reason=f"broken CSV: {exc}")
            return
        if None in record:
            yield line, RowError(file=filename, line=line, reason="more cells than header columns")
            continue
        if not any((value or "").strip() for value in record.values()):
            continue
        yield line, {key: (value or "").strip() for key, value in record.items()}


def _csv_value(value: str) -> AttributeValue:
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?\d{1,15}", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def _number_text(value: str) -> str:
    # "12,50" is how half of Europe writes a price.
    return value.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", value) else value


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _csv_rows(text: str, filename: str, kind: ItemKind) -> Iterator[Row]:
    for line, record in _csv_records(text, filename):
        yield line, record if isinstance(record, RowError) else _csv_row(record, kind)


def _feed_rows(text: str, filename: str, _kind: ItemKind) -> Iterator[Row]:
    for line, record in _csv_records(text, filename):
        yield line, record if isinstance(record, RowError) else _feed_row(record)


def _csv_row(record: dict[str, str], kind: ItemKind) -> dict[str, Any]:
    row: dict[str, Any] = {}
    attributes: dict[str, AttributeValue] = {}
    for key, value in record.items():
        if not value:
            continue
        if key.startswith(ATTR_PREFIX) and kind == "products":
            attributes[key[len(ATTR_PREFIX) :]] = _csv_value(value)
        elif key in ("variants", "tags") and kind == "faqs":
            row[key] = _split(value)
        elif key in ("price", "rating"):
            row[key] = _number_text(value)
        elif key == "popular":
            row[key] = value.lower() in ("1", "true", "yes", "y")
        else:
            row[key] = value
    if attributes:
        row["attributes"] = attributes
    return row


def _feed_row(record: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    attributes: dict[str, AttributeValue] = {}
    availability = ""
    for key, value in record.items():
        name = key.lower()
        if not value or name in FEED_IGNORED:
            continue
        if name == "price":
            amount, _, currency = value.partition(" ")
            row["price"] = _number_text(amount)
            if currency:
                row["currency"] = currency.strip()
        elif name == "availability":
            availability = value.lower().replace("_", " ")
        elif name in FEED_COLUMNS:
            field_name = FEED_COLUMNS[name]
            if field_name == "category":
                value = "/".join(part.strip() for part in value.split(">"))
            row.setdefault(field_name, value)
        elif name in Product.model_fields and name != "attributes":
            row[name] = _number_text(value) if name == "rating" else value
        else:
            attributes[name] = _csv_value(value)
    if "stock" not in row:
        row["stock"] = 1 if availability in ("in stock", "preorder", "backorder") else 0
    if attributes:
        row["attributes"] = attributes
    return row


# --- writing --------------------------------------------------------------------------------


def dump(items: Sequence[Item], format: Format, kind: ItemKind) -> str:
    """Items as a file that ``parse`` reads back to the same items."""
    records = [item.model_dump(mode="json") for item in items]
    if format == "json":
        return json.dumps({kind: records}, ensure_ascii=False, indent=2) + "\n"
    if format == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if format == "feed":
        raise ValueError("export writes json, jsonl or csv; a feed is an import format")
    return _dump_csv(records, kind)


def _dump_csv(records: Iterable[dict[str, Any]], kind: ItemKind) -> str:
    model = Product if kind == "products" else Faq
    records = list(records)
    base = [name for name in model.model_fields if name != "attributes"]
    attribute_names = sorted({name for r in records for name in r.get("attributes", {})})
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=base + [ATTR_PREFIX + n for n in attribute_names], lineterminator="\n"
    )
    writer.writeheader()
    for record in records:
        row = {name: record[name] for name in base}
        for name in ("variants", "tags"):
            if name in row:
                row[name] = LIST_SEPARATOR.join(row[name])
        for name, value in record.get("attributes", {}).items():
            row[ATTR_PREFIX + name] = value
        row = {
            k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
            for k, v in row.items()
        }
        writer.writerow(row)
    return out.getvalue()


# --- synonym sets -------------------------------------------------------------------------


def parse_synonyms(
    data: bytes, *, filename: str, encoding: str | None = None
) -> tuple[list[list[str]], list[RowError]]:
    """Synonym sets and the problems of one file: JSON (``{"synonyms": [[...], ...]}``,
    what ``dump_synonyms`` writes, or a bare list of lists) or text, one set a line with
    its terms separated by commas (blank lines and lines starting with # skipped)."""
    text = decode(data, filename, encoding)
    if not text.strip():
        raise FileError(RowError(file=filename, reason="the file is empty"))
    stripped = text.lstrip()
    rows = (
        _json_sets(text, filename)
        if stripped.startswith(("{", "["))
        else (
            (number, [term.strip() for term in line.split(",") if term.strip()])
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        )
    )
    sets: list[list[str]] = []
    errors: list[RowError] = []
    first_line: dict[frozenset[str], int] = {}
    for line, terms in rows:
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            reason = 'expected a list of terms, e.g. ["Laterne", "lantern"]'
            errors.append(RowError(file=filename, line=line, reason=reason))
            continue
        try:
            cleaned = SynonymSetIn(terms=terms).terms
        except ValidationError as exc:
            errors.append(RowError(file=filename, line=line, reason=_reason(exc)))
            continue
        key = same_terms(cleaned)
        if key in first_line:
            reason = f"the same set as on line {first_line[key]}"
            errors.append(RowError(file=filename, line=line, reason=reason))
            continue
        first_line[key] = line
        sets.append(cleaned)
    return sets, errors


def _json_sets(text: str, filename: str) -> Iterator[tuple[int, Any]]:
    document = _load_json(text, filename)
    if isinstance(document, dict) and isinstance(document.get("synonyms"), list):
        match = re.search(r'"synonyms"\s*:\s*\[', text)
        assert match is not None
        yield from _elements(text, match.end() - 1)
    elif isinstance(document, list):
        yield from _elements(text, text.index("["))
    else:
        reason = 'expected {"synonyms": [["Laterne", "lantern"], ...]} or a list of such lists'
        raise FileError(RowError(file=filename, reason=reason))


def dump_synonyms(sets: Iterable[Sequence[str]]) -> str:
    """Synonym sets as a file ``parse_synonyms`` reads back: one set a line."""
    lines = ",\n".join(f"  {json.dumps(list(terms), ensure_ascii=False)}" for terms in sets)
    return '{"synonyms": [\n' + lines + ("\n" if lines else "") + "]}\n"


def parse_category_names(
    data: bytes, *, filename: str, encoding: str | None = None
) -> tuple[list[CategoryNamesIn], list[RowError]]:
    """Category names and the problems of one file: JSON ``{"categories": {"Garden/Tools":
    {"de": "Gartengeräte"}, ...}}``, what ``dump_category_names`` writes."""
    text = decode(data, filename, encoding)
    if not text.strip():
        raise FileError(RowError(file=filename, reason="the file is empty"))
    document = _load_json(text, filename)
    table = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(table, dict):
        reason = 'expected {"categories": {"Garden/Tools": {"de": "Gartengeräte"}, ...}}'
        raise FileError(RowError(file=filename, reason=reason))
    found: list[CategoryNamesIn] = []
    errors: list[RowError] = []
    for path, names in table.items():
        try:
            found.append(CategoryNamesIn(path=path, names=names))
        except ValidationError as exc:
            errors.append(RowError(file=filename, id=path, reason=_reason(exc)))
    return found, errors


def dump_category_names(names: Mapping[str, Mapping[str, str]]) -> str:
    """Category names as a file ``parse_category_names`` reads back: one category a line."""
    lines = ",\n".join(
        f"  {json.dumps(path, ensure_ascii=False)}: {json.dumps(dict(by_language), ensure_ascii=False)}"
        for path, by_language in sorted(names.items())
    )
    return '{"categories": {\n' + lines + ("\n" if lines else "") + "}}\n"
