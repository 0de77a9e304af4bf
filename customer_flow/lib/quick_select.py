"""A ``<select>`` written in Python.

Django renders a select through a template and includes one more template per
option: a page with a few selects of a few dozen people costs milliseconds
(the queue has nine). This widget prints the same HTML as Django's ``Select``
(same attributes, selection and escaping) without a template.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _text(value: Any) -> str:
    # conditional_escape without its lazy-string wrapper: a few dozen options a
    # select, and format_html per option was half the select's time.
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    # As django/forms/widgets/attrs.html: False drops, True is a bare name.
    return "".join(
        f" {name}" if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class QuickSelect(forms.Select):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{conditional_escape(name)}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('<optgroup label="{}">', group_name))
            html += [
                f'<option value="{_text(str(option["value"]))}"'
                f"{_attrs(option['attrs']) if option['attrs'] else ''}>"
                f"{_text(option['label'])}</option>"
                for option in options
            ]
            if group_name:
                html.append("</optgroup>")
        html.append("</select>")
        return mark_safe("\n".join(html))
