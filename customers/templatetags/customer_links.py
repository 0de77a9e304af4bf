"""Turn "(customer 12)" in a message into a link to that customer."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_REFERENCE = re.compile(r"\(customer (\d+)\)")


@register.filter
def link_customers(message: object) -> SafeString:
    """Escape ``message`` and link each "(customer N)" in it to customer N."""

    def link(match: re.Match[str]) -> str:
        url = reverse("customers:detail", args=[int(match[1])])
        return format_html('(<a href="{}">customer {}</a>)', url, match[1])

    return mark_safe(_REFERENCE.sub(link, escape(str(message))))  # noqa: S308
