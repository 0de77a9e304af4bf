"""customer_flow/lib/paging.py: page links, and ranked lists read a page at a time."""

from __future__ import annotations

from customer_flow.lib.paging import LinkedPaginator, RankedList


def test_a_page_carries_its_links_with_the_gaps_elided():
    page = LinkedPaginator(list(range(1000)), 50).get_page(10)
    assert page.links == [1, 2, "…", 8, 9, 10, 11, 12, "…", 19, 20]


def test_a_bad_page_number_gives_the_nearest_page_with_its_links():
    paginator = LinkedPaginator(list(range(120)), 50)
    assert paginator.get_page("abc").number == 1
    last = paginator.get_page(99)
    assert last.number == 3
    assert last.links == [1, 2, 3]


def test_a_ranked_list_reads_only_the_shown_page_in_its_order(
    make_customer, django_assert_num_queries
):
    from customers.models import Customer

    made = [make_customer() for _ in range(4)]
    ranked = RankedList(Customer.objects.all(), [c.pk for c in reversed(made)])
    assert len(ranked) == 4 and not ranked.capped
    with django_assert_num_queries(1):
        page = LinkedPaginator(ranked, 2).get_page(2)
        assert list(page.object_list) == [made[1], made[0]]
