"""Reading and writing products and FAQs, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from knowledge.formats import FileError, dump, dump_synonyms, parse, parse_synonyms
from knowledge.schemas import Faq, Product

PRODUCTS = [
    {
        "id": "p1",
        "title": "Dome tent",
        "price": 199.0,
        "category": "Outdoor/Tents",
        "attributes": {"persons": 4},
    },
    {
        "id": "p2",
        "title": "Kettle",
        "price": 39.5,
        "attributes": {"colour": "red", "cordless": True},
    },
]


def test_json_list_and_wrapped_object() -> None:
    for data in (json.dumps(PRODUCTS), json.dumps({"products": PRODUCTS}, indent=2)):
        parsed = parse(data.encode(), kind="products", filename="p.json")
        assert [p.id for p in parsed.items] == ["p1", "p2"]
        assert parsed.errors == []


def test_json_rows_are_reported_on_their_own_line() -> None:
    text = '[\n  {"id": "p1", "title": "A", "price": 1},\n  {"id": "p2", "title": "B", "price": "abc"}\n]'
    parsed = parse(text.encode(), kind="products", filename="p.json")
    (error,) = parsed.errors
    assert (error.file, error.line, error.id) == ("p.json", 3, "p2")
    assert "price: 'abc' is not a number" in error.reason


def test_broken_json_rejects_the_file_with_its_line() -> None:
    with pytest.raises(FileError) as error:
        parse(
            b'[\n{"id": "p1", "title": "A", "price": 1},\n{"id": \n]',
            kind="products",
            filename="p.json",
        )
    assert error.value.error.line == 4
    assert "broken JSON" in error.value.error.reason


def test_jsonl_broken_line_is_a_row_error() -> None:
    text = '{"id": "p1", "title": "A", "price": 1}\n{"id": "p2", "title": \n{"title": "C", "price": 3}\n'
    parsed = parse(text.encode(), kind="products", filename="p.jsonl")
    assert [p.id for p in parsed.items] == ["p1"]
    assert [(e.line, e.reason.split(":")[0]) for e in parsed.errors] == [
        (2, "broken JSON"),
        (3, "missing id"),
    ]


def test_csv_products_with_attribute_columns_and_european_prices() -> None:
    text = 'id,title,price,category,attr_persons,attr_colour,popular\nt1,Dome tent,"199,90",Outdoor/Tents,4,green,yes\n'
    (product,) = parse(text.encode(), kind="products", filename="p.csv").items
    assert product.price == 199.9
    assert product.attributes == {"persons": 4, "colour": "green"}
    assert product.popular


def test_csv_faqs_split_variants_and_tags() -> None:
    text = "id,question,answer,variants,tags,locale\nf1,Wie lange?,2 Tage,Lieferzeit | Versanddauer,versand,de\n"
    (faq,) = parse(text.encode(), kind="faqs", filename="f.csv").items
    assert faq.variants == ["Lieferzeit", "Versanddauer"]
    assert (faq.tags, faq.locale) == (["versand"], "de")


def test_product_feed_maps_merchant_columns() -> None:
    text = (
        "id\ttitle\tdescription\tlink\timage_link\tprice\tavailability\tbrand\tproduct_type\tcolor\n"
        "F1\tTrail tent\tLight\thttps://s/p/1\thttps://s/i/1.jpg\t329.00 EUR\tin stock\tAlpina\tOutdoor > Tents\tgreen\n"
        "F2\tOld tent\t\thttps://s/p/2\t\t99.00 CHF\tout of stock\tAlpina\tOutdoor > Tents\t\n"
    )
    parsed = parse(text.encode(), kind="products", filename="feed.tsv")
    first, second = parsed.items
    assert isinstance(first, Product) and isinstance(second, Product)
    assert (first.url, first.image_url, first.price, first.currency) == (
        "https://s/p/1",
        "https://s/i/1.jpg",
        329.0,
        "EUR",
    )
    assert (first.category, first.stock, first.attributes) == (
        "Outdoor/Tents",
        1,
        {"color": "green"},
    )
    assert (second.currency, second.stock) == ("CHF", 0)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("id,title,price\n,No id,3\n", 2, "missing id"),
        ("id,title,price\np1,A,cheap\n", 2, "price: 'cheap' is not a number"),
        ("id,title,price\np1,A,1\np1,B,2\n", 3, "duplicate id (first on line 2)"),
        ("id,title,price\np1,A,1,extra\n", 2, "more cells than header columns"),
        ('id,title,price\np1,"two\nlines",1\np2,,1\n', 4, "missing title"),
        (
            "id,title,price,url\np1,A,1,javascript:alert(1)\n",
            2,
            "url: must be an http:// or https:// address, or a path starting with /",
        ),
    ],
)
def test_csv_row_errors_carry_their_line(text: str, line: int, reason: str) -> None:
    (error,) = parse(text.encode(), kind="products", filename="bad.csv").errors
    assert (error.line, error.reason) == (line, reason)


def test_unknown_fields_are_named() -> None:
    data = json.dumps([{"id": "p1", "title": "A", "price": 1, "colour": "red"}]).encode()
    (error,) = parse(data, kind="products", filename="p.json").errors
    assert error.reason == "unknown field 'colour' (put it under attributes)"


def test_encodings() -> None:
    text = "id,title,price\np1,Bratpfanne für Induktion,1\n"
    # Not UTF-8: said where, with what to do.
    with pytest.raises(FileError) as error:
        parse(text.encode("cp1252"), kind="products", filename="p.csv")
    assert error.value.error.line == 2
    assert "--encoding" in error.value.error.reason
    (product,) = parse(
        text.encode("cp1252"), kind="products", filename="p.csv", encoding="cp1252"
    ).items
    assert product.title == "Bratpfanne für Induktion"
    assert (
        parse(text.encode("utf-16"), kind="products", filename="p.csv").items[0].title
        == product.title
    )
    assert (
        parse(b"\xef\xbb\xbf" + text.encode(), kind="products", filename="p.csv").items[0].id
        == "p1"
    )
    with pytest.raises(FileError, match="unknown encoding 'klingon'"):
        parse(text.encode(), kind="products", filename="p.csv", encoding="klingon")


def test_empty_file_and_unknown_format() -> None:
    with pytest.raises(FileError, match="empty"):
        parse(b"  \n", kind="faqs", filename="f.json")
    with pytest.raises(FileError, match="cannot tell the format"):
        parse(b"hello", kind="faqs", filename="f.dat")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_dump_reads_back_to_the_same_items(fmt: str) -> None:
    products = [Product.model_validate(p) for p in PRODUCTS]
    faqs = [
        Faq(id="f1", question="Q?", answer="A.", variants=["v1", "v2"], tags=["t"], locale="de")
    ]
    assert (
        parse(
            dump(products, fmt, "products").encode(),
            kind="products",
            filename=f"x.{fmt}",
            format=fmt,
        ).items
        == products
    )  # type: ignore[arg-type]
    assert (
        parse(dump(faqs, fmt, "faqs").encode(), kind="faqs", filename=f"x.{fmt}", format=fmt).items
        == faqs
    )  # type: ignore[arg-type]


def test_synonym_sets_from_text_or_json_and_back() -> None:
    text = "# German words for the catalog\nLaterne, lantern\n\n Hängematte ,hammock,\n"
    sets, errors = parse_synonyms(text.encode(), filename="syn.txt")
    assert (sets, errors) == ([["Laterne", "lantern"], ["Hängematte", "hammock"]], [])
    assert parse_synonyms(dump_synonyms(sets).encode(), filename="syn.json") == (sets, [])
    bare = json.dumps([["Zelt", "tent"]]).encode()
    assert parse_synonyms(bare, filename="x")[0] == [["Zelt", "tent"]]


def test_bad_synonym_sets_are_reported_on_their_line() -> None:
    text = "Laterne, lantern\nlantern\nLANTERN, laterne\n?!, x\n"
    sets, errors = parse_synonyms(text.encode(), filename="syn.txt")
    assert sets == [["Laterne", "lantern"]]
    assert [str(e) for e in errors] == [
        "syn.txt:2: terms: give at least two terms: a set says they mean the same",
        "syn.txt:3: the same set as on line 1",
        'syn.txt:4: terms: "?!" has no word to search for',
    ]
    document = '{"synonyms": [\n  ["a", "b"],\n  "c"\n]}'
    assert [str(e) for e in parse_synonyms(document.encode(), filename="s.json")[1]] == [
        's.json:3: expected a list of terms, e.g. ["Laterne", "lantern"]'
    ]
    for data, reason in [
        (b'{"synonyms": [', "broken JSON"),
        (b'{"sets": []}', 'expected {"synonyms"'),
        (b"  \n", "the file is empty"),
        (b"\xff\xfeL\x00", "not valid"),
    ]:
        with pytest.raises(FileError, match=reason):
            parse_synonyms(data, filename="s.json", encoding="utf-8" if b"\xff" in data else None)
