"""Merging customers into one survivor, and undoing it: nothing is ever lost.

The merged records stay, archived and marked "merged into #N", so links and old
IDs still resolve; every row that points at a customer (tickets today, and any
relation added later) moves to the survivor; a ``CustomerMerge`` records what
moved and each record's values before, and ``undo_merge`` puts all of it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from customers.models import Customer, CustomerMerge

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MERGEABLE_FIELDS = ("name", "email", "phone")


class MergeRefused(Exception):
    """The merge or its undo cannot be done; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MergePlan:
    """What a merge would do: the survivor's values, and the rows that move."""

    survivor: Customer
    others: list[Customer]
    values: dict[str, Any]
    moves: dict[str, dict[int, list[int]]]

    def describe(self) -> list[str]:
        values = ", ".join(f"{name} {value!r}" for name, value in self.values.items())
        lines = [f"Keep #{self.survivor.pk} with {values}."]
        for other in self.others:
            lines.append(f"Archive #{other.pk} {other.name}, marked merged.")
        for relation, rows in self.moves.items():
            for other_id, pks in rows.items():
                lines.append(f"Move {len(pks)} of {relation} from #{other_id}.")
        return lines


def relations() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) pointing at a customer, except the merges' own."""
    found = []
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model in (Customer, CustomerMerge) or not isinstance(model, type):
            continue
        found.append((model, relation.field.name))
    return found


def _label(model: type[models.Model], field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


def plan_merge(
    *, survivor_id: int, other_ids: Sequence[int], take: Mapping[str, int]
) -> MergePlan:
    """Check the merge and work out what it does (``take``: field → the ID of
    the customer whose value the survivor gets; the survivor's by default)."""
    ids = [survivor_id, *other_ids]
    if len(set(ids)) != len(ids):
        raise MergeRefused("A customer cannot be merged into itself (or twice).")
    if not other_ids:
        raise MergeRefused("Choose at least one other customer to merge.")
    found = Customer.objects.select_for_update().in_bulk(sorted(ids))
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise MergeRefused(f"No customer with ID {', '.join(missing)}.")
    survivor = found[survivor_id]
    others = [found[pk] for pk in other_ids]
    _check_mergeable(survivor, others)
    values = {}
    for name in MERGEABLE_FIELDS:
        source = take.get(name, survivor_id)
        if source not in found:
            raise MergeRefused(f"--take {name}={source}: not one of the customers.")
        values[name] = getattr(found[source], name)
    moves = {
        _label(model, field): _rows_of(model, field, other_ids)
        for model, field in relations()
    }
    return MergePlan(survivor, others, values, moves)


def parse_take(pairs: Sequence[str]) -> dict[str, int]:
    """``["email=12", "phone=7"]`` → ``{"email": 12, "phone": 7}``."""
    take = {}
    for pair in pairs:
        name, _eq, value = pair.partition("=")
        if name not in MERGEABLE_FIELDS or not value.isdigit():
            raise MergeRefused(
                f"--take {pair}: write FIELD=ID, FIELD one of "
                f"{', '.join(MERGEABLE_FIELDS)}."
            )
        take[name] = int(value)
    return take


def preview_merge(
    *, survivor_id: int, other_ids: Sequence[int], take: Mapping[str, int]
) -> list[str]:
    """What a merge would do, in lines of text; changes nothing."""
    with transaction.atomic():
        plan = plan_merge(survivor_id=survivor_id, other_ids=other_ids, take=take)
    return plan.describe()


def _check_mergeable(survivor: Customer, others: list[Customer]) -> None:
    if survivor.merged_into_id or survivor.is_archived:
        state = "merged into another" if survivor.merged_into_id else "archived"
        raise MergeRefused(
            f"Customer #{survivor.pk} is {state}; choose an active customer to keep."
        )
    for other in others:
        if other.merged_into_id:
            raise MergeRefused(
                f"Customer #{other.pk} was already merged into #{other.merged_into_id}."
            )


def _rows_of(
    model: type[models.Model], field: str, owners: Sequence[int]
) -> dict[int, list[int]]:
    """The IDs of the rows of ``model`` pointing at each of ``owners``."""
    rows = model._default_manager.filter(**{f"{field}__in": list(owners)})
    by_owner: dict[int, list[int]] = {}
    for pk, owner in rows.values_list("pk", f"{field}_id").order_by("pk"):
        by_owner.setdefault(owner, []).append(pk)
    return by_owner


def _state(customer: Customer) -> dict[str, Any]:
    archived = customer.archived_at
    return {
        **{name: getattr(customer, name) for name in MERGEABLE_FIELDS},
        "archived_at": archived.isoformat() if archived else None,
        "version": customer.version,
    }


@transaction.atomic
def merge_customers(
    *,
    survivor_id: int,
    other_ids: Sequence[int],
    take: Mapping[str, int] | None = None,
    by: User | None = None,
    expected_versions: Mapping[int, int] | None = None,
) -> CustomerMerge:
    """Merge ``other_ids`` into ``survivor_id`` in one transaction (the records
    are locked first); refused with ``MergeRefused`` and nothing changed when a
    record is not mergeable or changed since ``expected_versions``."""
    plan = plan_merge(survivor_id=survivor_id, other_ids=other_ids, take=take or {})
    for customer in [plan.survivor, *plan.others]:
        expected = (expected_versions or {}).get(customer.pk)
        if expected is not None and expected != customer.version:
            raise MergeRefused(
                f"Customer #{customer.pk} was changed by someone while you were "
                "choosing; nothing was merged. Reload the page and check again."
            )
    before = {str(c.pk): _state(c) for c in [plan.survivor, *plan.others]}
    survivor = plan.survivor
    now = timezone.now()
    for other in plan.others:
        if plan.values["email"] == other.email:  # the survivor takes it: park
            local, _at, domain = other.email.rpartition("@")
            other.email = f"{local}+merged-{other.pk}@{domain}"
        other.merged_into = survivor
        other.archived_at = other.archived_at or now
        _save(other, by, f"Merged into #{survivor.pk}")
    for name, value in plan.values.items():
        setattr(survivor, name, value)
    merged = ", ".join(f"#{o.pk}" for o in plan.others)
    _save(survivor, by, f"Merge of {merged}")
    for model, field in relations():
        model._default_manager.filter(**{f"{field}__in": list(other_ids)}).update(
            **{field: survivor}
        )
    after = {str(c.pk): c.version for c in [survivor, *plan.others]}
    return CustomerMerge.objects.create(
        survivor=survivor,
        merged_ids=list(other_ids),
        before=before,
        after=after,
        moved=plan.moves,
        created_by=by,
    )


def _save(customer: Customer, by: User | None, reason: str) -> None:
    customer._history_user = by  # type: ignore[attr-defined]
    customer._change_reason = reason  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise MergeRefused(
            f"Customer #{customer.pk} cannot take the email {customer.email}: "
            "another customer has it. Nothing was changed."
        ) from None


def changed_since(merge: CustomerMerge, customers: Mapping[int, Customer]) -> list[str]:
    """What changed after the merge that its undo would overwrite or miss."""
    found = []
    for key, version in merge.after.items():
        customer = customers.get(int(key))
        if customer is not None and customer.version != version:
            found.append(f"customer #{key} was edited after the merge")
    for label, by_other in merge.moved.items():
        model, field = _relation(label)
        pks = [pk for rows in by_other.values() for pk in rows]
        elsewhere = 0
        for start in range(0, len(pks), _CHUNK):
            chunk = pks[start : start + _CHUNK]
            rows = model._default_manager.filter(pk__in=chunk)
            elsewhere += rows.exclude(**{field: merge.survivor_id}).count()
        if elsewhere:
            name = model._meta.verbose_name_plural
            found.append(f"{elsewhere} {name} moved to another customer since")
    return found


_CHUNK = 1000


def _relation(label: str) -> tuple[type[models.Model], str]:
    from django.apps import apps

    app_label, model_name, field = label.split(".")
    return apps.get_model(app_label, model_name), field


@transaction.atomic
def undo_merge(
    *, merge_id: int, by: User | None = None, force: bool = False
) -> CustomerMerge:
    """Put every record and every moved row back as before the merge; refused
    (naming what changed since) unless ``force``, which overwrites those edits."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge_id)
    if merge.is_undone:
        raise MergeRefused(f"Merge #{merge.pk} was already undone.")
    ids = [merge.survivor_id, *merge.merged_ids]
    customers = Customer.objects.select_for_update().in_bulk(sorted(ids))
    conflicts = changed_since(merge, customers)
    if conflicts and not force:
        raise MergeRefused(
            f"Merge #{merge.pk} was not undone: {'; '.join(conflicts)}. Nothing "
            "was changed. Undo anyway to put back the values from before the "
            "merge over those edits."
        )
    for label, by_other in merge.moved.items():
        model, field = _relation(label)
        for other, pks in by_other.items():
            for start in range(0, len(pks), _CHUNK):
                rows = model._default_manager.filter(
                    pk__in=pks[start : start + _CHUNK], **{field: merge.survivor_id}
                )
                rows.update(**{f"{field}_id": int(other)})
    for pk in ids:  # the survivor first: it frees the emails it took
        customer, state = customers[pk], merge.before[str(pk)]
        for name in MERGEABLE_FIELDS:
            setattr(customer, name, state[name])
        archived = state["archived_at"]
        customer.archived_at = (
            datetime.fromisoformat(archived) if archived is not None else None
        )
        customer.merged_into = None
        _save(customer, by, f"Undo of merge #{merge.pk}")
    merge.undone_at, merge.undone_by = timezone.now(), by
    merge.save(update_fields=["undone_at", "undone_by"])
    return merge
