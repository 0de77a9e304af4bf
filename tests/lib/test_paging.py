"""customer_flow/lib/paging.py: page links (no database needed for these)."""

from __future__ import annotations

from customer_flow.lib.paging import LinkedPaginator


def test_a_page_carries_its_links_with_the_gaps_elided():
    page = LinkedPaginator(list(range(1000)), 50).get_page(10)
    assert page.links == [1, 2, "…", 8, 9, 10, 11, 12, "…", 19, 20]


def test_a_bad_page_number_gives_the_nearest_page_with_its_links():
    paginator = LinkedPaginator(list(range(120)), 50)
    assert paginator.get_page("abc").number == 1
    last = paginator.get_page(99)
    assert last.number == 3
    assert last.links == [1, 2, 3]
