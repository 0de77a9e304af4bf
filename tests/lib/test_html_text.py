from customer_flow.lib.html_text import html_to_text


def test_paragraphs_and_breaks_survive():
    html = "<p>Hello&nbsp;there,</p><p>line one<br>line two</p>"
    assert html_to_text(html) == "Hello there,\n\nline one\nline two"


def test_scripts_styles_and_head_are_dropped():
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head>"
        "<body><script>alert(1)</script><p>Visible</p></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_links_are_written_out_and_lists_get_dashes():
    html = '<ul><li>one</li><li><a href="https://x.example/a">two</a></li></ul>'
    assert html_to_text(html) == "- one\n- two <https://x.example/a>"


def test_entities_are_decoded_and_markup_is_never_kept():
    assert html_to_text("<b>5 &lt; 6 &amp; 7</b><img src=x onerror=alert(1)>") == (
        "5 < 6 & 7"
    )


def test_broken_html_still_gives_text():
    assert html_to_text("<div><p>unclosed <b>bold") == "unclosed bold"
