"""Filters and facet counts over catalog columns."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.facets import CatalogColumns, FilterError, parse_filters
from knowledge.schemas import Product


def catalog() -> CatalogColumns:
    columns = CatalogColumns()
    rows = [
        Product(id="a", title="Dome tent", price=199, category="Outdoor/Tents", brand="Alpina",
                attributes={"persons": 4, "colour": "Green"}, stock=2),
        Product(id="b", title="Solo tent", price=99, category="Outdoor/Tents", brand="alpina",
                attributes={"persons": 1, "colour": "orange"}, stock=0),
        Product(id="c", title="Pan", price=30, category="Kitchen/Cookware", brand="Eisenwerk",
                attributes={"size": "28 cm"}, stock=5, popular=True),
    ]  # fmt: skip
    for row, product in enumerate(rows):
        columns.add(row, product)
    return columns


def rows(columns: CatalogColumns, **filters: object) -> list[int]:
    return np.flatnonzero(columns.mask(parse_filters(filters))).tolist()


def test_each_filter_and_their_combination() -> None:
    columns = catalog()
    assert rows(columns, category="outdoor") == [0, 1]  # a path prefix, any case
    assert rows(columns, category="Outdoor/Tents") == [0, 1]
    assert rows(columns, category="Out") == []  # whole path parts only
    assert rows(columns, brand="ALPINA") == [0, 1]
    assert rows(columns, price_min=50, price_max=150) == [1]
    assert rows(columns, in_stock=True) == [0, 2]
    assert rows(columns, in_stock="false") == [1]
    assert rows(columns, **{"attr.colour": "green"}) == [0]
    assert rows(columns, **{"attr.persons_min": 2}) == [0]
    assert rows(columns, **{"attr.persons_max": 2, "brand": "Alpina"}) == [1]
    assert rows(columns, **{"attr.material": "steel"}) == []
    assert rows(columns, brand="Nobody") == []
    # A list: any of its values.
    assert rows(columns, **{"attr.colour": ["orange", "GREEN"]}) == [0, 1]
    assert rows(columns, **{"attr.colour": ["red", "orange"], "attr.persons_min": 2}) == []


def test_removed_rows_are_filtered_out() -> None:
    columns = catalog()
    columns.remove(0)
    assert rows(columns, category="Outdoor") == [1]


@pytest.mark.parametrize(
    ("filters", "key"),
    [({"colour": "red"}, "colour"), ({"price_min": "cheap"}, "price_min"), ({"in_stock": "maybe"}, "in_stock"),
     ({"attr.persons_min": "x"}, "attr.persons_min"), ({"attr.colour": []}, "attr.colour"),
     ({"attr.colour": ["red", None]}, "attr.colour")],
)  # fmt: skip
def test_bad_filters_name_the_key(filters: dict[str, object], key: str) -> None:
    with pytest.raises(FilterError) as error:
        parse_filters(filters)
    assert error.value.key == key


def test_facets_count_every_row_of_the_mask() -> None:
    columns = catalog()
    facets = columns.facets(columns.alive())
    assert facets["category"] == {
        "Outdoor": 2,
        "Outdoor/Tents": 2,
        "Kitchen": 1,
        "Kitchen/Cookware": 1,
    }
    assert facets["brand"] == {"Alpina": 2, "Eisenwerk": 1}
    assert facets["price"] == {"25-50": 1, "50-100": 1, "100-250": 1}
    assert facets["in_stock"] == {"true": 2, "false": 1}
    assert facets["attr.persons"] == {"4": 1, "1": 1}
    assert facets["attr.colour"] == {"Green": 1, "orange": 1}


def test_browse_order_puts_popular_first() -> None:
    columns = catalog()
    assert columns.browse_order(columns.alive()).tolist()[0] == 2
