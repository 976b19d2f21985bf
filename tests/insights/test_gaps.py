"""Gap clustering on a seeded set of unanswered questions, with the real embedding model."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np

from agents_console.insights._gaps import (
    Question,
    cluster_questions,
    draft_faq,
    is_new_answer,
    slug,
    wordings,
)

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
# Four topics a demo shop's FAQs do not cover, asked in different words, plus loners.
TOPICS = {
    "pickup": [
        "Can I pick up my order in your store?",
        "is click and collect possible",
        "can I collect the parcel myself at your shop",
        "Pick up in store?",
        "can i get my order from your shop instead of delivery",
    ],
    "student": [
        "Do you have a student discount?",
        "is there a discount for students",
        "any student discounts?",
        "Do students get cheaper prices?",
    ],
    "engraving": [
        "Can you engrave a knife as a gift?",
        "do you offer engraving on knives",
        "Is personalised engraving of the chef's knife possible?",
    ],
    "repair": [
        "Do you repair tents?",
        "my tent pole broke, can you repair it?",
        "Is there a repair service for tents?",
    ],
}
LONERS = ["What is the weather in Paris?", "Are your candles vegan?"]


def seeded() -> tuple[list[Question], dict[int, str]]:
    questions, topic_of = [], {}
    turn_id = 0
    for topic, texts in TOPICS.items():
        for text in texts:
            turn_id += 1
            questions.append(
                Question(turn_id, text, "unanswered", NOW - dt.timedelta(hours=turn_id))
            )
            topic_of[turn_id] = topic
    # A repeated question counts each time it was asked.
    for _ in range(2):
        turn_id += 1
        questions.append(Question(turn_id, "any student discounts?", "unsure", NOW))
        topic_of[turn_id] = "student"
    for text in LONERS:
        turn_id += 1
        questions.append(Question(turn_id, text, "handoff", NOW))
        topic_of[turn_id] = text
    return questions, topic_of


def test_each_topic_is_one_cluster_ranked_by_frequency(embedder: Any) -> None:
    questions, topic_of = seeded()
    clusters = cluster_questions(questions, embedder.encode)
    topics = [{topic_of[t] for t in c.turn_ids} for c in clusters]
    assert all(len(t) == 1 for t in topics), topics  # no cluster mixes topics
    for topic, texts in TOPICS.items():
        # Most of a topic lands in one cluster; a wording the model barely knows
        # ("click and collect") may stay apart, and is still listed.
        biggest = max(sum(topic_of[t] == topic for t in c.turn_ids) for c in clusters)
        assert biggest >= 0.75 * len(texts) + (2 if topic == "student" else 0), topic
    assert {next(iter(t)) for t in topics} == {*TOPICS, *LONERS}
    assert [c.size for c in clusters] == sorted((c.size for c in clusters), reverse=True)
    student = clusters[0]
    assert topic_of[student.turn_ids[0]] == "student" and student.size == 6
    assert student.kinds == {"unanswered": 4, "unsure": 2}
    assert len(student.examples) == len(set(student.examples)) == 4  # the repeats show once
    assert student.last_at == NOW


def test_the_same_questions_in_any_order_give_the_same_clusters(embedder: Any) -> None:
    questions, _ = seeded()
    shuffled = questions[:]
    random.Random(3).shuffle(shuffled)
    first = cluster_questions(questions, embedder.encode)
    again = cluster_questions(shuffled, embedder.encode)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in again]


def test_threshold_trades_merging_for_splitting(embedder: Any) -> None:
    questions, _ = seeded()
    assert len(cluster_questions(questions, embedder.encode, threshold=0.99)) == len(
        {q.text.lower() for q in questions}
    )
    assert len(cluster_questions(questions, embedder.encode, threshold=-1.0)) == 1


def test_no_questions_no_clusters() -> None:
    assert cluster_questions([], lambda texts: np.zeros((len(texts), 3))) == []


def test_draft_takes_the_question_and_the_other_wordings() -> None:
    texts = [
        "Do you have a student discount?",
        "any student discounts?",
        "ANY student discounts? ",
        "my mail is [email], student discount?",
    ]
    draft = draft_faq(texts, [9, 3, 5], locale="en", taken={"do-you-have-a-student-discount"})
    assert draft.question == "Do you have a student discount?"
    assert draft.variants == ["any student discounts?"]  # no repeats, nothing redacted
    assert draft.id == "do-you-have-a-student-discount-2"
    assert draft.answer == "" and draft.turn_ids == [3, 5, 9]


def test_a_drafts_question_reads_as_one_for_shoppers() -> None:
    # Shoppers type in lower case and leave out the "?"; the FAQ's question is shown to
    # other shoppers in the widget, so the draft starts from a tidy one.
    draft = draft_faq(
        ["do you offer engraving on knives", "Can you engrave a knife as a gift?"],
        [4, 2],
        locale="en",
    )
    assert draft.question == "Do you offer engraving on knives?"
    assert draft.variants == ["Can you engrave a knife as a gift?"]
    assert draft.id == "do-you-offer-engraving-on-knives"
    assert draft_faq(["kann  ich bei euch abholen"], [1], locale="de").question == (
        "Kann ich bei euch abholen?"
    )
    # Not a question, or already ending in its own mark: only the capital letter.
    assert draft_faq(["my tent pole broke"], [1], locale="en").question == "My tent pole broke"
    assert draft_faq(["is there a sale!"], [1], locale="en").question == "Is there a sale!"
    assert draft_faq(["doing returns"], [1], locale="en").question == "Doing returns"


def test_wordings_are_new_distinct_and_unredacted() -> None:
    asked = [
        "Can I pay later?",
        " can i  pay LATER? ",
        "pay later with [card]?",
        "",
        "Pay by invoice",
    ]
    assert wordings(asked) == ["Can I pay later?", "Pay by invoice"]
    assert wordings(asked, known=["pay by invoice"]) == ["Can I pay later?"]
    assert wordings(asked, redacted_too=True)[1] == "pay later with [card]?"


def test_a_cluster_remembers_what_its_questions_got(embedder: Any) -> None:
    repair = [
        Question(1, "Do you repair tents?", "unanswered", NOW, language="en"),
        Question(2, "Repariert ihr Zelte?", "unanswered", NOW, language="de"),
        Question(3, "Reparieren Sie Zelte?", "unsure", NOW, language="de"),
        Question(4, "my tent pole broke, can you repair it?", "handoff", NOW, faq_id="warranty"),
        Question(5, "Is there a repair service for tents?", "handoff", NOW, showed_products=True),
        Question(6, "Kann man bei euch Zelte reparieren lassen?", "unanswered", NOW, language="de"),
        Question(7, "Zeltreparatur möglich?", "unanswered", NOW, language="de"),
    ]
    # One cluster whatever the model makes of the German: the fields are what is tested.
    [cluster] = cluster_questions(repair, embedder.encode, threshold=-1.0)
    assert cluster.language == "de"  # most were asked in German
    assert cluster.answered_with == ["warranty"] and cluster.showed_products
    # The FAQ that failed, or products again, are no new answer; another FAQ is.
    assert not is_new_answer(cluster, "answer_faq", "warranty")
    assert not is_new_answer(cluster, "show_products", None)
    assert is_new_answer(cluster, "answer_faq", "repairs")
    assert not is_new_answer(cluster, "fallback", None)
    assert not is_new_answer(cluster, "ask_clarifying", None)
    fresh = cluster.model_copy(update={"answered_with": [], "showed_products": False})
    assert is_new_answer(fresh, "show_products", None)
    assert is_new_answer(fresh, "answer_faq", "warranty")


def test_slugs_are_ascii_and_short() -> None:
    assert (
        slug("Kann ich im Laden abholen? Größe & Füße") == "kann-ich-im-laden-abholen-grosse-fusse"
    )
    assert slug("???") == "faq"
    assert len(slug("word " * 40)) <= 60
