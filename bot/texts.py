"""Everything the bot says, in English and German. Templates are plain text, never HTML.

German comes in two voices: "de" says "du", "de-sie" says "Sie" (the setting
``TOUCHPOINT_BOT_GERMAN_ADDRESS``); a text without a "de-sie" wording has no
pronoun to change and serves both.
"""

from __future__ import annotations

from collections.abc import Mapping

TEXTS: dict[str, dict[str, str]] = {
    "greet": {
        "en": "Hi! I can answer questions about orders, delivery and returns, or help you find "
        "the right product. What are you looking for?",
        "de": "Hallo! Ich beantworte Fragen zu Bestellung, Versand und Rückgabe oder helfe dir, "
        "das passende Produkt zu finden. Wonach suchst du?",
        "de-sie": "Hallo! Ich beantworte Fragen zu Bestellung, Versand und Rückgabe oder helfe Ihnen, das passende Produkt zu finden. Wonach suchen Sie?",
    },
    "goodbye": {
        "en": "Thanks for stopping by. Have a great day!",
        "de": "Danke für deinen Besuch. Einen schönen Tag noch!",
        "de-sie": "Danke für Ihren Besuch. Einen schönen Tag noch!",
    },
    "you_are_welcome": {
        "en": "You're welcome! Anything else I can help you with?",
        "de": "Gern geschehen! Kann ich sonst noch etwas für dich tun?",
        "de-sie": "Gern geschehen! Kann ich sonst noch etwas für Sie tun?",
    },
    # No question: "no" or "nothing" to "anything else?" must not get that question again.
    "ack": {
        "en": "Alright. I'm here if you need anything else.",
        "de": "Alles klar. Ich bin da, falls du noch etwas brauchst.",
        "de-sie": "Alles klar. Ich bin da, falls Sie noch etwas brauchen.",
    },
    "about_me": {
        "en": "I'm this shop's virtual assistant: I answer questions about orders, delivery "
        "and returns and help you find the right product. For anything else I can put you "
        "through to a colleague. What can I do for you?",
        "de": "Ich bin der digitale Assistent dieses Shops: Ich beantworte Fragen zu "
        "Bestellung, Versand und Rückgabe und helfe dir, das passende Produkt zu finden. "
        "Für alles andere verbinde ich dich mit einer Kollegin oder einem Kollegen. Was kann "
        "ich für dich tun?",
        "de-sie": "Ich bin der digitale Assistent dieses Shops: Ich beantworte Fragen zu "
        "Bestellung, Versand und Rückgabe und helfe Ihnen, das passende Produkt zu finden. "
        "Für alles andere verbinde ich Sie mit einer Kollegin oder einem Kollegen. Was kann "
        "ich für Sie tun?",
    },
    "ask_away": {
        "en": "Sure! What would you like to know, or what are you looking for?",
        "de": "Gern! Was möchtest du wissen, oder wonach suchst du?",
        "de-sie": "Gern! Was möchten Sie wissen, oder wonach suchen Sie?",
    },
    "faq_source": {"en": "More: {url}", "de": "Mehr dazu: {url}"},
    "suggest": {
        "en": "I'm not completely sure what you mean. Is it one of these?",
        "de": "Ich bin nicht ganz sicher, was du meinst. Ist es eine dieser Fragen?",
        "de-sie": "Ich bin nicht ganz sicher, was Sie meinen. Ist es eine dieser Fragen?",
    },
    "fallback": {
        "en": "Sorry, I don't know the answer to that. I can connect you with a colleague, or "
        "you can rephrase your question.",
        "de": "Das weiß ich leider nicht. Ich kann dich mit einer Kollegin oder einem Kollegen "
        "verbinden, oder du formulierst die Frage anders.",
        "de-sie": "Das weiß ich leider nicht. Ich kann Sie mit einer Kollegin oder einem Kollegen verbinden, oder Sie formulieren die Frage anders.",
    },
    "human_button": {"en": "Talk to a human", "de": "Mit einem Menschen sprechen"},
    "restart_button": {"en": "Start over", "de": "Neu anfangen"},
    "compare_button": {"en": "Compare them", "de": "Vergleichen"},
    "what_product": {
        "en": "Sure! What kind of product are you looking for?",
        "de": "Gern! Was für ein Produkt suchst du?",
        "de-sie": "Gern! Was für ein Produkt suchen Sie?",
    },
    "products_found": {
        "en": "Here are the best matches:",
        "de": "Das passt am besten:",
    },
    "products_relaxed": {
        "en": "Nothing matches all of that exactly; these come closest:",
        "de": "Nichts passt genau auf alles; das kommt am nächsten:",
    },
    "products_more": {"en": "Here are more:", "de": "Hier sind weitere:"},
    "products_more_relaxed": {
        "en": "Those were all that match everything; these come closest:",
        "de": "Mehr passt nicht genau auf alles; das kommt am nächsten:",
    },
    # "Show me all tents": every one, or a carousel's worth and how many there are.
    "products_all": {"en": "Here they all are ({count}):", "de": "Hier sind alle ({count}):"},
    "products_all_first": {
        "en": "Here are the first {shown} of {total}; say “more” for the next ones.",
        "de": "Hier sind die ersten {shown} von {total}; mit „mehr“ kommen die nächsten.",
    },
    "no_more": {
        "en": "That's all I have for that. Shall we start over?",
        "de": "Mehr habe ich dazu nicht. Wollen wir neu anfangen?",
    },
    "product_found": {
        "en": "Here is the best match:",
        "de": "Das passt am besten:",
    },
    "product_relaxed": {
        "en": "Nothing matches all of that exactly; this comes closest:",
        "de": "Nichts passt genau auf alles; das kommt am nächsten:",
    },
    "cheapest_first": {"en": "The cheapest first:", "de": "Die günstigsten zuerst:"},
    "dearest_first": {"en": "The most expensive first:", "de": "Die teuersten zuerst:"},
    "best_rated_first": {
        "en": "The best rated first:",
        "de": "Die am besten bewerteten zuerst:",
    },
    "popular_first": {"en": "Our best sellers first:", "de": "Unsere Bestseller zuerst:"},
    "lightest_first": {"en": "The lightest first:", "de": "Die leichtesten zuerst:"},
    "heaviest_first": {"en": "The heaviest first:", "de": "Die schwersten zuerst:"},
    "biggest_first": {"en": "The biggest first:", "de": "Die größten zuerst:"},
    "smallest_first": {"en": "The smallest first:", "de": "Die kleinsten zuerst:"},
    "warmest_first": {"en": "The warmest first:", "de": "Die wärmsten zuerst:"},
    "no_products": {
        "en": "I couldn't find a product for that. Could you describe it differently?",
        "de": "Dazu habe ich kein Produkt gefunden. Kannst du es anders beschreiben?",
        "de-sie": "Dazu habe ich kein Produkt gefunden. Können Sie es anders beschreiben?",
    },
    "compared_last_time": {
        "en": "Compared with the {title} you bought last time ({price}), the first one is "
        "{diff}{details}.",
        "de": "Verglichen mit {title} aus deinem letzten Kauf ({price}) ist das erste "
        "{diff}{details}.",
        "de-sie": "Verglichen mit {title} aus Ihrem letzten Kauf ({price}) ist das erste {diff}{details}.",
    },
    "compared_details": {"en": " ({changes})", "de": " ({changes})"},
    "attribute_change": {"en": "{name} {new} instead of {old}", "de": "{name} {new} statt {old}"},
    "yes": {"en": "yes", "de": "ja"},
    "no": {"en": "no", "de": "nein"},
    # Answers about a product (bot/actions/details.py), one line a product.
    "detail_in_stock": {"en": "{title} is in stock.", "de": "{title} ist auf Lager."},
    "detail_few_left": {
        "en": "{title}: only {n} left in stock.",
        "de": "{title}: nur noch {n} auf Lager.",
    },
    "detail_out_of_stock": {
        "en": "{title} is out of stock at the moment.",
        "de": "{title} ist gerade ausverkauft.",
    },
    "sold_out_instead": {
        "en": "Sold out at the moment. These are in stock and come closest:",
        "de": "Gerade ausverkauft. Diese sind lieferbar und kommen am nächsten:",
    },
    "in_stock_instead": {
        "en": "These are in stock and come closest:",
        "de": "Diese sind lieferbar und kommen am nächsten:",
    },
    "detail_price": {"en": "{title} costs {price}.", "de": "{title} kostet {price}."},
    "detail_rating": {
        "en": "{title} is rated {rating} out of 5.",
        "de": "{title} ist mit {rating} von 5 bewertet.",
    },
    "detail_no_rating": {
        "en": "{title} has no rating yet.",
        "de": "{title} hat noch keine Bewertung.",
    },
    "detail_value": {"en": "{title}: {value}.", "de": "{title}: {value}."},
    "detail_compare": {"en": "How they differ:", "de": "Die Unterschiede:"},
    # "Which one is the lightest?" among the products shown.
    "extreme_weight_min": {
        "en": "Of these, the {title} is the lightest ({value}).",
        "de": "Davon ist {title} am leichtesten ({value}).",
    },
    "extreme_weight_max": {
        "en": "Of these, the {title} is the heaviest ({value}).",
        "de": "Davon ist {title} am schwersten ({value}).",
    },
    "extreme_capacity_max": {
        "en": "Of these, the {title} is the biggest ({value}).",
        "de": "Davon ist {title} am größten ({value}).",
    },
    "extreme_capacity_min": {
        "en": "Of these, the {title} is the smallest ({value}).",
        "de": "Davon ist {title} am kleinsten ({value}).",
    },
    "extreme_comfort_min": {
        "en": "Of these, the {title} is the warmest ({value}).",
        "de": "Davon ist {title} am wärmsten ({value}).",
    },
    "extreme_rating_max": {
        "en": "Of these, the {title} is the best rated ({value} out of 5).",
        "de": "Davon ist {title} am besten bewertet ({value} von 5).",
    },
    "extreme_popular_max": {
        "en": "Of these, the {title} is the most popular.",
        "de": "Davon ist {title} am beliebtesten.",
    },
    "extreme_popular_none": {
        "en": "None of these is among our best sellers.",
        "de": "Keins davon gehört zu unseren Bestsellern.",
    },
    "extreme_price_min": {
        "en": "Of these, the {title} is the cheapest ({value}).",
        "de": "Davon ist {title} am günstigsten ({value}).",
    },
    "extreme_price_max": {
        "en": "Of these, the {title} is the most expensive ({value}).",
        "de": "Davon ist {title} am teuersten ({value}).",
    },
    # "Is there a cheaper one?" where none is.
    "none_cheaper": {
        "en": "I found nothing cheaper than the {title}.",
        "de": "Günstiger als {title} habe ich nichts gefunden.",
    },
    "none_lighter": {
        "en": "I found nothing lighter than the {title}.",
        "de": "Leichter als {title} habe ich nichts gefunden.",
    },
    "none_smaller": {
        "en": "I found nothing smaller than the {title}.",
        "de": "Kleiner als {title} habe ich nichts gefunden.",
    },
    "none_bigger": {
        "en": "I found nothing bigger than the {title}.",
        "de": "Größer als {title} habe ich nichts gefunden.",
    },
    "none_warmer": {
        "en": "I found nothing warmer than the {title}.",
        "de": "Wärmer als {title} habe ich nichts gefunden.",
    },
    "extreme_tie": {
        "en": "They are alike in that: {value}.",
        "de": "Darin sind sie gleich: {value}.",
    },
    "recommend_first": {
        "en": "I'd take the {title} ({price}): it fits what you asked for best.",
        "de": "Ich würde {title} nehmen ({price}): Das passt am besten zu dem, was du suchst.",
        "de-sie": "Ich würde {title} nehmen ({price}): Das passt am besten zu dem, was Sie suchen.",
    },
    "recommend_rated": {
        "en": "The best rated of them is the {title} ({rating} out of 5).",
        "de": "Am besten bewertet ist {title} ({rating} von 5).",
    },
    "rated": {"en": "rated {rating}", "de": "bewertet mit {rating}"},
    "detail_unknown": {
        "en": "I have no details on the {name} of {title}.",
        "de": "Zu {title} habe ich keine Angabe ({name}).",
    },
    # "Is it waterproof?": the sentence of the description that says, as it stands.
    "feature_found": {"en": "{title}: “{text}”", "de": "{title}: „{text}“"},
    "feature_in_title": {
        "en": "{title}: it says so in its name.",
        "de": "{title}: Das steht schon im Namen.",
    },
    "feature_unknown": {
        "en": "The catalog doesn't say that about {title}.",
        "de": "Dazu steht im Katalog bei {title} nichts.",
    },
    "feature_unknown_all": {
        "en": "The catalog doesn't say that about any of them.",
        "de": "Dazu steht im Katalog bei keinem davon etwas.",
    },
    # "Which tent is waterproof?" where no tent's text says.
    "feature_unknown_kind": {
        "en": "The catalog doesn't say that about any of our {kind}.",
        "de": "Dazu steht im Katalog bei keinem Artikel der Kategorie {kind} etwas.",
    },
    # "Which one is waterproof?" where some say so: the others.
    "feature_not_others": {
        "en": "The catalog doesn't say it of the others.",
        "de": "Bei den anderen steht dazu nichts im Katalog.",
    },
    # "I'll take it": the product's card carries the cart button (where the shop
    # listens for it) and the link to its page.
    "buy_one": {
        "en": "Good choice! Add {title} to your cart from its card, or open its page.",
        "de": "Gute Wahl! Über die Karte legst du {title} in den Warenkorb oder öffnest die "
        "Produktseite.",
        "de-sie": "Gute Wahl! Über die Karte legen Sie {title} in den Warenkorb oder öffnen die "
        "Produktseite.",
    },
    "buy_which": {
        "en": "Which one would you like? Each card can put it in your cart or open its page.",
        "de": "Welches möchtest du? Jede Karte legt es in den Warenkorb oder öffnet die "
        "Produktseite.",
        "de-sie": "Welches möchten Sie? Jede Karte legt es in den Warenkorb oder öffnet die "
        "Produktseite.",
    },
    # "Is it dishwasher safe?" of several shown, none pointed at, where the catalog says
    # nothing of any: which one (the next "the second one" is asked it).
    "detail_which_shown": {
        "en": "Which of them do you mean? Say “the first one”, “the second one” or “the last one”.",
        "de": "Welches davon meinst du? Sag zum Beispiel „das erste“ oder „das letzte“.",
        "de-sie": "Welches davon meinen Sie? Sagen Sie zum Beispiel „das erste“ oder „das letzte“.",
    },
    # "Can I pay with Klarna?" where the shop's content names no Klarna: said before the
    # FAQ's list of the ways it takes. Only what the list shows: "bank transfer" may be
    # how an invoice is paid, so the bot never says a way is refused.
    "payment_not_accepted": {
        "en": "{method} is not in our list of payment methods.",
        "de": "{method} steht nicht in unserer Liste der Zahlungsarten.",
    },
    "or": {"en": " or ", "de": " oder "},
    "detail_which": {
        "en": "Which product do you mean? Tell me its name and I'll look it up.",
        "de": "Welches Produkt meinst du? Nenn mir den Namen, dann schaue ich nach.",
        "de-sie": "Welches Produkt meinen Sie? Nennen Sie mir den Namen, dann schaue ich nach.",
    },
    "accessories_bought": {
        "en": "These go with the {title} you bought:",
        "de": "Das passt zu {title} aus deinem Kauf:",
        "de-sie": "Das passt zu {title} aus Ihrem Kauf:",
    },
    "accessories_for": {
        "en": "These go with {what}:",
        "de": "Passend für {what}:",
    },
    "accessories_which": {
        "en": "Happy to help. Which product are you looking for accessories for?",
        "de": "Gern. Für welches Produkt suchst du Zubehör?",
        "de-sie": "Gern. Für welches Produkt suchen Sie Zubehör?",
    },
    # "Tent pegs" where the catalog has none ({what} as the shopper wrote it).
    "no_part": {
        "en": "Sorry, I couldn't find “{what}” in our shop.",
        "de": "Leider habe ich „{what}“ in unserem Sortiment nicht gefunden.",
    },
    "no_accessories": {
        "en": "I couldn't find anything that goes with that. Could you name the product?",
        "de": "Dazu habe ich nichts Passendes gefunden. Wie heißt das Produkt genau?",
    },
    "cheaper": {"en": "{amount} cheaper", "de": "{amount} günstiger"},
    "dearer": {"en": "{amount} more expensive", "de": "{amount} teurer"},
    "same_price": {"en": "the same price", "de": "gleich teuer"},
    "order_ask": {
        "en": "I can check that. Please send your order number and the e-mail address you "
        "ordered with.",
        "de": "Das prüfe ich gern. Schick mir bitte deine Bestellnummer und die E-Mail-Adresse "
        "der Bestellung.",
        "de-sie": "Das prüfe ich gern. Schicken Sie mir bitte Ihre Bestellnummer und die E-Mail-Adresse der Bestellung.",
    },
    "order_ask_email": {
        "en": "Thanks. Which e-mail address did you use for that order?",
        "de": "Danke. Mit welcher E-Mail-Adresse hast du bestellt?",
        "de-sie": "Danke. Mit welcher E-Mail-Adresse haben Sie bestellt?",
    },
    "order_ask_number": {
        "en": "Thanks. What is the order number?",
        "de": "Danke. Wie lautet die Bestellnummer?",
    },
    "order_where_to_look": {
        "en": "You'll find the order number in the order confirmation e-mail, which also "
        "went to the address you ordered with. If you can't find it, a colleague can look "
        "the order up for you.",
        "de": "Die Bestellnummer steht in der Bestellbestätigung, die an die E-Mail-Adresse "
        "der Bestellung ging. Wenn du sie nicht findest, sucht eine Kollegin oder ein "
        "Kollege die Bestellung für dich heraus.",
        "de-sie": "Die Bestellnummer steht in der Bestellbestätigung, die an die "
        "E-Mail-Adresse der Bestellung ging. Wenn Sie sie nicht finden, sucht eine Kollegin "
        "oder ein Kollege die Bestellung für Sie heraus.",
    },
    "order_which_email": {
        "en": "It's the e-mail address the order confirmation went to. If you're not sure "
        "which one, a colleague can look the order up for you.",
        "de": "Es ist die E-Mail-Adresse, an die die Bestellbestätigung ging. Wenn du nicht "
        "sicher bist, welche, sucht eine Kollegin oder ein Kollege die Bestellung für dich "
        "heraus.",
        "de-sie": "Es ist die E-Mail-Adresse, an die die Bestellbestätigung ging. Wenn Sie "
        "nicht sicher sind, welche, sucht eine Kollegin oder ein Kollege die Bestellung für "
        "Sie heraus.",
    },
    "order_refused": {
        "en": "I couldn't find an order for that combination of order number and e-mail. "
        "Please check both, or ask a colleague.",
        "de": "Zu dieser Kombination aus Bestellnummer und E-Mail finde ich keine Bestellung. "
        "Bitte prüfe beides oder frag eine Kollegin oder einen Kollegen.",
        "de-sie": "Zu dieser Kombination aus Bestellnummer und E-Mail finde ich keine Bestellung. Bitte prüfen Sie beides oder fragen Sie eine Kollegin oder einen Kollegen.",
    },
    "order_none": {
        "en": "I don't see any orders in your account yet.",
        "de": "In deinem Konto sehe ich noch keine Bestellungen.",
        "de-sie": "In Ihrem Konto sehe ich noch keine Bestellungen.",
    },
    "order_status": {
        "en": "Order {number} ({total}): {status}.",
        "de": "Bestellung {number} ({total}): {status}.",
    },
    "order_tracking": {"en": "Track it here: {url}", "de": "Sendungsverfolgung: {url}"},
    "order_return": {"en": "Return: {status}.", "de": "Rücksendung: {status}."},
    "handoff_sorry": {
        "en": "Sorry I couldn't help you there.",
        "de": "Tut mir leid, dass ich dir da nicht helfen konnte.",
        "de-sie": "Tut mir leid, dass ich Ihnen da nicht helfen konnte.",
    },
    "handoff_online": {
        "en": "A colleague will be with you shortly (expected wait about {minutes} min). "
        "Your conversation so far is passed on, so no need to repeat yourself.",
        "de": "Gleich ist eine Kollegin oder ein Kollege für dich da (Wartezeit etwa "
        "{minutes} Min.). Der bisherige Verlauf wird übergeben, du musst nichts wiederholen.",
        "de-sie": "Gleich ist eine Kollegin oder ein Kollege für Sie da (Wartezeit etwa {minutes} Min.). Der bisherige Verlauf wird übergeben, Sie müssen nichts wiederholen.",
    },
    "handoff_offline": {
        "en": "Our team is not available right now ({hours}). Leave your e-mail and we'll get "
        "back to you; meanwhile I'm happy to keep helping.",
        "de": "Unser Team ist gerade nicht erreichbar ({hours}). Hinterlass deine E-Mail, wir "
        "melden uns; bis dahin helfe ich gern weiter.",
        "de-sie": "Unser Team ist gerade nicht erreichbar ({hours}). Hinterlassen Sie Ihre E-Mail, wir melden uns; bis dahin helfe ich gern weiter.",
    },
    "hours_known": {
        "en": "Our team answers chats {hours}.",
        "de": "Unser Team ist {hours} im Chat für dich da.",
        "de-sie": "Unser Team ist {hours} im Chat für Sie da.",
    },
    "hours_any_time": {
        "en": "Our team answers chats whenever someone is online.",
        "de": "Unser Team antwortet im Chat, sobald jemand online ist.",
    },
    "hours_online_now": {
        "en": "Someone is online right now.",
        "de": "Gerade ist jemand online.",
    },
    "hours_away_now": {
        "en": "Right now nobody is online: you can leave the team a message, and I'm happy "
        "to help meanwhile.",
        "de": "Gerade ist niemand online: Du kannst dem Team eine Nachricht hinterlassen, und "
        "ich helfe gern weiter.",
        "de-sie": "Gerade ist niemand online: Sie können dem Team eine Nachricht hinterlassen, "
        "und ich helfe gern weiter.",
    },
    "message_button": {"en": "Leave a message", "de": "Nachricht hinterlassen"},
    "handoff_away": {
        "en": "Nobody from our team is online at the moment. Leave your e-mail and we'll get "
        "back to you; meanwhile I'm happy to keep helping.",
        "de": "Gerade ist niemand aus unserem Team online. Hinterlass deine E-Mail, wir "
        "melden uns; bis dahin helfe ich gern weiter.",
        "de-sie": "Gerade ist niemand aus unserem Team online. Hinterlassen Sie Ihre E-Mail, wir melden uns; bis dahin helfe ich gern weiter.",
    },
    "offline_email": {
        "en": "Your e-mail",
        "de": "Deine E-Mail",
        "de-sie": "Ihre E-Mail",
    },
    "offline_message": {
        "en": "Your message",
        "de": "Deine Nachricht",
        "de-sie": "Ihre Nachricht",
    },
    "offline_submit": {"en": "Send", "de": "Senden"},
    "welcome_back": {
        "en": "I'm back. Anything else I can help you with?",
        "de": "Da bin ich wieder. Kann ich noch etwas für dich tun?",
        "de-sie": "Da bin ich wieder. Kann ich noch etwas für Sie tun?",
    },
    "invalid_budget": {
        "en": "That budget doesn't look right; please give an amount above zero.",
        "de": "Das Budget passt nicht; bitte gib einen Betrag über null an.",
        "de-sie": "Das Budget passt nicht; bitte geben Sie einen Betrag über null an.",
    },
    "invalid_persons": {
        "en": "Please give a number of people between 1 and 30.",
        "de": "Bitte gib eine Personenzahl zwischen 1 und 30 an.",
        "de-sie": "Bitte geben Sie eine Personenzahl zwischen 1 und 30 an.",
    },
}


def voice(language: str, german_address: str) -> str:
    """The wording to answer in: the language, and for German the shop's form of address."""
    return "de-sie" if language == "de" and german_address == "sie" else language


def in_voice(texts: Mapping[str, str], voice: str) -> str | None:
    """``texts`` in ``voice``, else in its language ("de-sie" -> "de"), else in English."""
    return texts.get(voice) or texts.get(voice.partition("-")[0]) or texts.get("en")


def say(key: str, voice: str, **values: object) -> str:
    return (in_voice(TEXTS[key], voice) or "").format(**values)


# What a product detail is called in a reply; others by their attribute's name.
DETAIL_NAMES: dict[str, dict[str, str]] = {
    "weight": {"en": "weight", "de": "Gewicht"},
    "blade": {"en": "blade", "de": "Klinge"},
    "power": {"en": "power", "de": "Leistung"},
    "lumen": {"en": "brightness (lumen)", "de": "Helligkeit (Lumen)"},
    "brightness": {"en": "brightness", "de": "Helligkeit"},
    "size": {"en": "size", "de": "Größe"},
    "dimensions": {"en": "dimensions", "de": "Maße"},
    "diameter": {"en": "diameter", "de": "Durchmesser"},
    "length": {"en": "length", "de": "Länge"},
    "colour": {"en": "colour", "de": "Farbe"},
    "color": {"en": "colour", "de": "Farbe"},
    "material": {"en": "material", "de": "Material"},
    "persons": {"en": "persons", "de": "Personen"},
    "seats": {"en": "seats", "de": "Sitzplätze"},
    "capacity": {"en": "capacity", "de": "Fassungsvermögen"},
    "volume": {"en": "volume", "de": "Volumen"},
    "cups": {"en": "cups", "de": "Tassen"},
    "induction": {"en": "induction", "de": "Induktion"},
    "comfort": {"en": "comfort temperature", "de": "Komforttemperatur"},
    "season": {"en": "season", "de": "Saison"},
    "description": {"en": "description", "de": "Beschreibung"},
    "brand": {"en": "brand", "de": "Marke"},
}


def attribute_name(name: str, voice: str) -> str:
    """An attribute, its unit taken off, as a reply names it: "weight" is "Gewicht" in
    German; one the bot has no word for as the shop wrote it ("r_value": "r value")."""
    names = DETAIL_NAMES.get(name.lower())
    return (in_voice(names, voice) if names else None) or name.replace("_", " ")


# The catalog's colours as a German reply names them ("Farbe grün", not "green").
_GERMAN_COLOURS = {
    "black": "schwarz", "white": "weiß", "red": "rot", "blue": "blau", "green": "grün",
    "yellow": "gelb", "grey": "grau", "gray": "grau", "pink": "rosa", "purple": "lila",
    "brown": "braun", "silver": "silber", "warm white": "warmweiß",
}  # fmt: skip
_COLOUR_ATTRIBUTES = ("colour", "color", "farbe")


def value_text(
    value: object, voice: str, attribute: str = "", names: Mapping[str, str] | None = None
) -> str:
    """An attribute's value as a reply writes it: "yes", "2" for 2.0, "1.4" ("1,4"); a
    colour in the reply's language ("grün"); else its ``names`` per language where one
    is the reply's ("Gusseisen" for "cast iron", as a flow's buttons call it)."""
    language = voice.partition("-")[0]
    if isinstance(value, str) and names and (named := names.get(voice) or names.get(language)):
        return named
    if attribute.lower() in _COLOUR_ATTRIBUTES and voice.startswith("de"):
        return _GERMAN_COLOURS.get(str(value).lower(), str(value))
    if isinstance(value, bool):
        return say("yes" if value else "no", voice)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return decimal(str(value), voice)
    return str(value)


def decimal(number: str, voice: str) -> str:
    """A written number as the voice's language writes it: "4.5" is "4,5" in German."""
    return number.replace(".", ",") if voice.startswith("de") else number


def rating_text(rating: float, voice: str) -> str:
    return decimal(f"{rating:.1f}", voice)


def money(amount: float, currency: str, voice: str) -> str:
    """ "79.00 €", in German "79,00 €"."""
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency.upper()) or currency
    return f"{decimal(f'{amount:.2f}', voice)} {symbol}"
