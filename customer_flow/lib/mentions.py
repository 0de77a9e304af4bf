"""``@username`` mentions in a note."""

from __future__ import annotations

import re

# Django user names are letters, digits and @ . + - _ ; a mention starts after a
# space or punctuation (so the domain of ann@example.com is not one) and does not
# end with a full stop or other punctuation ("thanks @ann.").
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]{0,149}[\w])")


def mentioned_usernames(text: str) -> list[str]:
    """The user names mentioned in ``text``, in order, each once."""
    return list(dict.fromkeys(m.group(1) for m in MENTION.finditer(text)))


def split_mentions(text: str) -> list[tuple[str, str]]:
    """``text`` cut into ("text", part) and ("mention", username) pieces."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in MENTION.finditer(text):
        if match.start() > position:
            pieces.append(("text", text[position : match.start()]))
        pieces.append(("mention", match.group(1)))
        position = match.end()
    if position < len(text):
        pieces.append(("text", text[position:]))
    return pieces
