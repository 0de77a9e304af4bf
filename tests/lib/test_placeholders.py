from customer_flow.lib.placeholders import placeholders_in, problems, render

ALLOWED = {"customer.name", "ticket.number"}


def test_known_placeholders_are_replaced_with_plain_text():
    text = "Hello {{ customer.name }}, about #{{ticket.number}}."
    values = {"customer.name": "<b>Ann</b>", "ticket.number": "7"}
    assert render(text, values) == "Hello <b>Ann</b>, about #7."


def test_nothing_is_evaluated():
    text = "{{ customer.name.__class__ }} {{ settings.SECRET_KEY }}"
    assert render(text, {"customer.name": "Ann"}) == text


def test_unknown_names_and_template_tags_are_problems():
    found = problems("Hi {{ customer.password }} {% load x %}", ALLOWED)
    assert "Unknown placeholder {{ customer.password }}" in found[0]
    assert "{{ customer.name }}" in found[0]
    assert "not {% %}" in found[1]
    assert problems("Hi {{ customer.name }}", ALLOWED) == []


def test_placeholders_are_listed_once_in_order():
    assert placeholders_in("{{ b }} {{ a }} {{ b }}") == ["b", "a"]
