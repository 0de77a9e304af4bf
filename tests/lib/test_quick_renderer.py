"""customer_flow.lib.quick_renderer: Django's label and input HTML, faster."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from customer_flow.lib.quick_renderer import QuickRenderer

ODD = "Zoë <b> \"quoted\" & 'single'"


class Sample(forms.Form):
    text = forms.CharField(
        label=ODD,
        widget=forms.TextInput(
            attrs={"autofocus": True, "disabled": False, "data-x": ODD, "size": 10}
        ),
    )
    search = forms.CharField(
        required=False, label="Find?", widget=forms.TextInput(attrs={"type": "search"})
    )
    number = forms.IntegerField(label=mark_safe("<em>Number</em>"))
    hidden = forms.CharField(widget=forms.HiddenInput)
    tick = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", ODD)])


def render_all(form: forms.Form) -> list[str]:
    return [str(field) + field.label_tag() for field in form] + [
        form["text"].label_tag(attrs={"class": "x"}, label_suffix="", tag="legend")
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"text": ODD, "search": "", "number": "12", "hidden": ODD, "tick": "on"},
        {"note": ODD + "\n\nlast line\n", "kind": "b"},
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_it_prints_what_djangos_templates_print(data, auto_id):
    django = Sample(data, auto_id=auto_id, renderer=DjangoTemplates())
    quick = Sample(data, auto_id=auto_id, renderer=QuickRenderer())
    assert render_all(quick) == render_all(django)


def test_values_and_labels_are_escaped():
    form = Sample({"text": ODD}, renderer=QuickRenderer())
    assert 'value="Zoë &lt;b&gt; &quot;quoted&quot; &amp; &#x27;single&#x27;"' in str(
        form["text"]
    )
    assert (
        form["number"].label_tag() == '<label for="id_number"><em>Number</em>:</label>'
    )
    assert form["search"].label_tag() == '<label for="id_search">Find?</label>'
