from customer_flow.lib.mentions import mentioned_usernames, split_mentions


def test_mentions_are_found_once_each():
    text = "@ann can you check? cc @bob.smith, @ann."
    assert mentioned_usernames(text) == ["ann", "bob.smith"]


def test_an_email_address_is_not_a_mention():
    assert mentioned_usernames("write to ann@example.com") == []


def test_split_keeps_every_character():
    pieces = split_mentions("hi @ann!")
    assert pieces == [("text", "hi "), ("mention", "ann"), ("text", "!")]
