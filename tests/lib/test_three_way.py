from customer_flow.lib.three_way import Conflict, merge


def test_a_field_only_they_changed_keeps_their_value():
    result = merge({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3})
    assert result.values == {"a": 2, "b": 3}
    assert result.clean
    assert result.mine_changed == ["a"]
    assert result.theirs_changed == ["b"]


def test_both_changing_a_field_the_same_way_is_no_conflict():
    result = merge({"a": 1}, {"a": 2}, {"a": 2})
    assert result.values == {"a": 2}
    assert result.clean


def test_both_changing_a_field_differently_is_a_conflict_that_keeps_mine():
    result = merge({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 3, "b": 1})
    assert result.conflicts == [Conflict("a", 1, 2, 3)]
    assert result.values == {"a": 2, "b": 1}


def test_a_field_never_seen_conflicts_only_when_the_values_differ():
    assert merge({}, {"a": 1}, {"a": 1}).clean
    assert not merge({}, {"a": 1}, {"a": 2}).clean


def test_to_write_names_only_values_that_differ_from_the_saved_ones():
    result = merge({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3})
    assert result.to_write({"a": 1, "b": 3}) == {"a": 2}
    assert merge({"a": 1}, {"a": 1}, {"a": 1}).to_write({"a": 1}) == {}
