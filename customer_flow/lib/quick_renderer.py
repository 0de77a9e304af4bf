"""A form renderer that writes labels and simple inputs in Python.

Django renders each label and each ``<input>`` through a template that includes
another for the attributes: about 0.1 ms apiece, 2 ms for the twenty on the ticket
queue. This renderer prints the same HTML as Django's templates for those
(``django/forms/label.html`` and the widgets built on ``input.html``, and
``textarea.html``), escaping as they do, and hands any other template to Django.
Forms opt in with ``default_renderer = QuickRenderer()``.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape

# The widgets whose template only includes django/forms/widgets/input.html.
_INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
}


def _attrs(attrs: dict[str, Any] | None) -> str:
    # As django/forms/widgets/attrs.html: False drops, True is a bare name.
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in (attrs or {}).items()
        if value is not False
    )


class QuickRenderer(DjangoTemplates):
    def render(
        self,
        template_name: str,
        context: dict[str, Any],
        request: HttpRequest | None = None,
    ) -> str:
        if template_name == "django/forms/label.html":
            label = conditional_escape(context["label"])
            if not context["use_tag"]:
                return label.strip()
            tag = conditional_escape(context["tag"])
            return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>".strip()
        widget = context.get("widget")
        if template_name in _INPUTS and widget is not None:
            value = widget["value"]
            shown = (
                "" if value is None else f' value="{conditional_escape(str(value))}"'
            )
            return (
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}'
                f"{_attrs(widget['attrs'])}>"
            )
        if template_name == "django/forms/widgets/textarea.html" and widget:
            text = conditional_escape(widget["value"]) if widget["value"] else ""
            return (
                f'<textarea name="{conditional_escape(widget["name"])}"'
                f"{_attrs(widget['attrs'])}>\n{text}</textarea>"
            )
        return super().render(template_name, context, request)
