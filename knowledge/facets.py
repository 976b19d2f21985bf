"""Structured filters and facet counts over the catalog, as numpy columns. Pure.

Each product occupies one row; a row's values sit in growable columns so a
filter is a vector comparison and a facet is a ``bincount`` over the rows that
match, however many there are.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.analysis import fold
from knowledge.schemas import AttributeValue, Product

PRICE_EDGES = (10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0)
PRICE_LABELS = tuple(
    f"{int(low)}-{int(high)}" for low, high in zip((0.0, *PRICE_EDGES), PRICE_EDGES, strict=False)
) + (f"{int(PRICE_EDGES[-1])}+",)
ATTR = "attr."


class FilterError(ValueError):
    """A filter the catalog cannot apply; ``key`` names it for the caller's error message."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass
class Filters:
    category: str | None = None
    brand: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool | None = None
    attr_equals: dict[str, tuple[str, ...]] = field(default_factory=dict)  # any of them
    attr_min: dict[str, float] = field(default_factory=dict)
    attr_max: dict[str, float] = field(default_factory=dict)


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool):
        raise FilterError(key, "expected a number, not true/false")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FilterError(key, f"expected a number, got {value!r}") from None
    if math.isnan(number):
        raise FilterError(key, "expected a number, got NaN")
    return number


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n"}:
        return False
    raise FilterError(key, f"expected true or false, got {value!r}")


def _values(key: str, value: Any) -> tuple[str, ...]:
    """An attribute's wanted values: one, or a list of which any will do."""
    values = value if isinstance(value, list | tuple) else [value]
    if not values or any(isinstance(v, dict | list | tuple) or v is None for v in values):
        raise FilterError(key, f"expected a value or a list of values, got {value!r}")
    return tuple(str(v) for v in values)


def parse_filters(raw: Mapping[str, Any] | None) -> Filters:
    """Product filters from the API's dict (or the CLI's ``key=value`` strings)."""
    filters = Filters()
    for key, value in (raw or {}).items():
        if key in ("category", "brand"):
            setattr(filters, key, str(value).strip())
        elif key in ("price_min", "price_max"):
            setattr(filters, key, _number(key, value))
        elif key == "in_stock":
            filters.in_stock = _bool(key, value)
        elif key.startswith(ATTR) and len(key) > len(ATTR):
            name = key[len(ATTR) :]
            if name.endswith("_min"):
                filters.attr_min[name[:-4]] = _number(key, value)
            elif name.endswith("_max"):
                filters.attr_max[name[:-4]] = _number(key, value)
            else:
                filters.attr_equals[name] = _values(key, value)
        else:
            raise FilterError(
                key,
                "unknown filter; use category, brand, price_min, price_max, in_stock, "
                "attr.<name>, attr.<name>_min or attr.<name>_max",
            )
    return filters


def _display(value: AttributeValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Growing:
    """A numpy column that grows by doubling."""

    def __init__(self, dtype: Any, fill: Any) -> None:
        self.fill = fill
        self.data = np.full(64, fill, dtype=dtype)

    def set(self, row: int, value: Any) -> None:
        if row >= len(self.data):
            grown = np.full(max(row + 1, 2 * len(self.data)), self.fill, dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown
        self.data[row] = value

    def view(self, rows: int) -> np.ndarray:
        if rows > len(self.data):
            self.set(rows - 1, self.fill)
        return self.data[:rows]


class _Codes:
    """Text values as small integer codes: equality by folded text, shown as first written."""

    def __init__(self) -> None:
        self.codes = _Growing(np.int32, -1)
        self.labels: list[str] = []
        self._by_key: dict[str, int] = {}

    def set(self, row: int, label: str | None) -> None:
        self.codes.set(row, -1 if label is None else self.code(label, create=True))

    def code(self, label: str, *, create: bool = False) -> int:
        key = fold(label.strip())
        code = self._by_key.get(key, -1)
        if code < 0 and create:
            code = self._by_key[key] = len(self.labels)
            self.labels.append(label.strip())
        return code

    def counts(self, rows: np.ndarray, total: int) -> dict[str, int]:
        """Value -> how many of ``rows`` (row numbers, of ``total``) hold it."""
        codes = self.codes.view(total)[rows]
        codes = codes[codes >= 0]
        counts = np.bincount(codes, minlength=len(self.labels)) if len(codes) else np.zeros(0, int)
        return {self.labels[c]: int(n) for c in np.flatnonzero(counts) for n in (counts[c],)}


class CatalogColumns:
    """Filterable, facetable values of every product row."""

    def __init__(self) -> None:
        self.rows = 0
        self._alive = _Growing(np.bool_, False)
        self._price = _Growing(np.float32, np.nan)
        self._price_bucket = _Growing(np.int8, 0)  # index into PRICE_LABELS
        self._stock = _Growing(np.int32, 0)
        self._popular = _Growing(np.bool_, False)
        self._rating = _Growing(np.float32, 0.0)
        self._category = _Codes()
        self._brand = _Codes()
        self._attr_codes: dict[str, _Codes] = {}
        self._attr_numbers: dict[str, _Growing] = {}

    def add(self, row: int, product: Product) -> None:
        self.rows = max(self.rows, row + 1)
        self._alive.set(row, True)
        self._price.set(row, product.price)
        self._price_bucket.set(row, bisect.bisect_right(PRICE_EDGES, product.price))
        self._stock.set(row, product.stock)
        self._popular.set(row, product.popular)
        self._rating.set(row, product.rating or 0.0)
        self._category.set(row, product.category or None)
        self._brand.set(row, product.brand or None)
        for name, value in product.attributes.items():
            self._attr_codes.setdefault(name, _Codes()).set(row, _display(value))
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._attr_numbers.setdefault(name, _Growing(np.float32, np.nan)).set(row, value)

    def remove(self, row: int) -> None:
        self._alive.set(row, False)

    def attribute_names(self) -> list[str]:
        """The name of every attribute a product has or had."""
        return list(self._attr_codes)

    def categories(self) -> list[str]:
        """Every category path a product has or had."""
        return list(self._category.labels)

    def alive(self) -> np.ndarray:
        return self._alive.view(self.rows).copy()

    def mask(self, filters: Filters) -> np.ndarray:
        rows = self.rows
        mask = self.alive()
        if filters.category:
            mask &= self._category_mask(filters.category)
        if filters.brand:
            mask &= self._equals(self._brand, filters.brand)
        price = self._price.view(rows)
        if filters.price_min is not None:
            mask &= price >= filters.price_min
        if filters.price_max is not None:
            mask &= price <= filters.price_max
        if filters.in_stock is not None:
            mask &= (self._stock.view(rows) > 0) == filters.in_stock
        for name, values in filters.attr_equals.items():
            codes = self._attr_codes.get(name)
            if codes is None:
                return np.zeros(rows, dtype=bool)
            mask &= np.logical_or.reduce([self._equals(codes, value) for value in values])
        for bounds, keep in (
            (filters.attr_min, np.greater_equal),
            (filters.attr_max, np.less_equal),
        ):
            for name, limit in bounds.items():
                numbers = self._attr_numbers.get(name)
                if numbers is None:
                    return np.zeros(rows, dtype=bool)
                with np.errstate(invalid="ignore"):
                    mask &= keep(numbers.view(rows), limit)
        return mask

    def browse_order(self, mask: np.ndarray) -> np.ndarray:
        """Rows of ``mask``: popular first, then by rating."""
        rows = np.flatnonzero(mask)
        popular = self._popular.view(self.rows)[rows]
        rating = self._rating.view(self.rows)[rows]
        return rows[np.lexsort((-rating, ~popular))]

    def _equals(self, codes: _Codes, label: str) -> np.ndarray:
        code = codes.code(label)
        view = codes.codes.view(self.rows)
        return view == code if code >= 0 else np.zeros(self.rows, dtype=bool)

    def _category_mask(self, prefix: str) -> np.ndarray:
        wanted = fold(prefix.strip("/ "))
        codes = [
            code
            for code, label in enumerate(self._category.labels)
            if (folded := fold(label)) == wanted or folded.startswith(wanted + "/")
        ]
        return np.isin(self._category.codes.view(self.rows), codes)

    def facets(self, mask: np.ndarray) -> dict[str, dict[str, int]]:
        # Row numbers once, then every column is a gather and a bincount over the matches only.
        total = self.rows
        rows = np.flatnonzero(mask[:total])
        facets: dict[str, dict[str, int]] = {}
        categories: dict[str, int] = {}
        for path, n in self._category.counts(rows, total).items():
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                categories[prefix] = categories.get(prefix, 0) + n
        facets["category"] = categories
        facets["brand"] = self._brand.counts(rows, total)
        buckets = np.bincount(self._price_bucket.view(total)[rows], minlength=len(PRICE_LABELS))
        facets["price"] = {
            label: int(n) for label, n in zip(PRICE_LABELS, buckets, strict=True) if n
        }
        in_stock = int(np.count_nonzero(self._stock.view(total)[rows] > 0))
        facets["in_stock"] = {
            k: v for k, v in (("true", in_stock), ("false", len(rows) - in_stock)) if v
        }
        for name, codes in sorted(self._attr_codes.items()):
            counts = codes.counts(rows, total)
            if counts:
                facets[ATTR + name] = counts
        return facets
