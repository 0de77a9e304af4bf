from customer_flow.lib.filenames import MAX_LENGTH, safe_filename


def test_a_path_keeps_only_its_last_part():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\ann\\report.pdf") == "report.pdf"


def test_control_and_reserved_characters_are_replaced():
    assert safe_filename('a<b>c:"d|e?*.txt') == "a_b_c__d_e__.txt"
    assert safe_filename("in\x00voice\r\n.pdf") == "invoice.pdf"


def test_direction_overrides_are_dropped():
    # "invoice\u202egpj.exe" shows as "invoiceexe.jpg" in a file manager.
    assert safe_filename("invoice\u202egpj.exe") == "invoicegpj.exe"


def test_hidden_names_and_empty_names_get_a_default():
    assert safe_filename(".htaccess") == "htaccess"
    assert safe_filename("") == "attachment"
    assert safe_filename(None) == "attachment"
    assert safe_filename("...") == "attachment"
    assert safe_filename("///") == "attachment"


def test_windows_device_names_are_prefixed():
    assert safe_filename("CON.txt") == "_CON.txt"
    assert safe_filename("lpt1") == "_lpt1"


def test_long_names_keep_their_extension():
    name = safe_filename("x" * 400 + ".pdf")
    assert len(name) == MAX_LENGTH
    assert name.endswith(".pdf")


def test_unicode_is_kept_and_normalised():
    assert safe_filename("Re\u0301sume\u0301 2024.docx") == "Résumé 2024.docx"
