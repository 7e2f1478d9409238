"""A two-level item model: groups of ids, each group's ids kept in sort order.

The scoreboard model subclasses it and says where an id belongs (:meth:`placement`); this
class keeps the tree and emits exactly the structural signals for each change: a group row
inserted before its first child and removed after its last, one rowsInserted/rowsRemoved per
id, one rowsMoved when an id changes group or position, and one when a group's place among
the others changes (it may depend on its first row: :meth:`group_order`). Never a reset. An id
the subclass does not show (:meth:`shows`: another day's match) has no row.

A child's ``internalId`` is its group's stable uid (top-level rows have 0), so an index stays
meaningful while groups come and go around it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import overload

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex

AnyIndex = QModelIndex | QPersistentModelIndex
#: What rows and groups are sorted by: tuples, compared item by item.
SortKey = tuple[object, ...]


@dataclass
class Group:
    key: str
    uid: int
    order: SortKey
    rows: list[str] = field(default_factory=list)


class GroupedModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[Group] = []
        self._by_uid: dict[int, Group] = {}
        self._where: dict[str, Group] = {}
        self._keys: dict[str, SortKey] = {}
        self._next_uid = 1

    # --- what subclasses decide ----------------------------------------------------------

    def placement(self, item_id: str) -> tuple[str, SortKey]:
        """``(group key, sort key)`` of an id."""
        raise NotImplementedError

    def group_order(self, key: str, first: SortKey) -> SortKey:
        """Where a group goes among the others, given the sort key of its first row (default:
        by name, ignoring case)."""
        return (key.casefold(),)

    def shows(self, item_id: str) -> bool:
        """Whether an id has a row (default: every id)."""
        return True

    # --- lookups ------------------------------------------------------------------------

    def index_of(self, item_id: str, column: int = 0) -> QModelIndex:
        group = self._where.get(item_id)
        if group is None:
            return QModelIndex()
        return self.createIndex(group.rows.index(item_id), column, group.uid)

    def item_id(self, index: AnyIndex) -> str | None:
        group = self._group_of_child(index)
        return group.rows[index.row()] if group else None

    def group_key(self, row: int) -> str:
        return self._groups[row].key

    def contains(self, item_id: str) -> bool:
        """Whether ``item_id`` has a row."""
        return item_id in self._where

    def ids(self) -> list[str]:
        return [item for group in self._groups for item in group.rows]

    def rows_changed(self, item_ids: Iterable[str], last_column: int, roles: Sequence[int]) -> None:
        """dataChanged for these ids' rows, all columns: one signal per group, spanning its
        first to last changed row (a burst redraws with a few wide signals, not many)."""
        spans: dict[int, tuple[int, int]] = {}
        for item_id in item_ids:
            group = self._where.get(item_id)
            if group is None:
                continue
            row = group.rows.index(item_id)
            first, last = spans.get(group.uid, (row, row))
            spans[group.uid] = (min(first, row), max(last, row))
        for uid, (first, last) in spans.items():
            parent = self._group_index(self._by_uid[uid])
            top, bottom = self.index(first, 0, parent), self.index(last, last_column, parent)
            self.dataChanged.emit(top, bottom, roles)

    # --- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()].rows)
        return 0

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        # hasIndex() would call back into Python twice; views ask for indexes all the time
        # (a repaint of the scoreboard makes hundreds of calls through the filter proxy).
        if row < 0 or not 0 <= column < self.columnCount(parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()
        group = self._groups[parent.row()]
        return self.createIndex(row, column, group.uid) if row < len(group.rows) else QModelIndex()

    # Qt's parent() is two methods: QObject's (no argument: the model's owner) and the model's
    # (an index's parent). A Python override replaces both, so it answers both.
    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, index: AnyIndex) -> QModelIndex: ...
    def parent(self, index: AnyIndex | None = None) -> QModelIndex | QObject | None:
        if index is None:
            return super().parent()
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        group = self._by_uid.get(index.internalId())
        return self._group_index(group) if group else QModelIndex()

    # --- structure ----------------------------------------------------------------------

    def _group_index(self, group: Group, column: int = 0) -> QModelIndex:
        return self.createIndex(self._groups.index(group), column, 0)

    def _group_of_child(self, index: AnyIndex) -> Group | None:
        if not index.isValid() or index.internalId() == 0 or index.model() is not self:
            return None
        group = self._by_uid.get(index.internalId())
        if group is None or not 0 <= index.row() < len(group.rows):
            return None
        return group

    def _ensure_group(self, key: str, signal: bool, first: SortKey) -> Group:
        for group in self._groups:
            if group.key == key:
                return group
        group = Group(key, self._next_uid, self.group_order(key, first))
        self._next_uid += 1
        at = bisect.bisect_left([g.order for g in self._groups], group.order)
        if signal:
            self.beginInsertRows(QModelIndex(), at, at)
        self._groups.insert(at, group)
        self._by_uid[group.uid] = group
        if signal:
            self.endInsertRows()
        return group

    def _drop_group_if_empty(self, group: Group) -> None:
        if group.rows:
            return
        at = self._groups.index(group)
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._groups[at]
        del self._by_uid[group.uid]
        self.endRemoveRows()

    def _regroup(self, group: Group, signal: bool = True) -> None:
        """Moves a group whose place among the others changed with its first row."""
        if not group.rows:
            return
        order = self.group_order(group.key, self._keys[group.rows[0]])
        if order == group.order:
            return
        row = self._groups.index(group)
        others = [g.order for g in self._groups if g is not group]
        at = bisect.bisect_left(others, order)
        group.order = order
        if at == row:
            return
        # Qt counts the destination before the row leaves its old place.
        dest = at + 1 if at > row else at
        if not signal:
            del self._groups[row]
            self._groups.insert(at, group)
        elif self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest):
            del self._groups[row]
            self._groups.insert(at, group)
            self.endMoveRows()
        else:  # Qt refused the move (should not happen): the layout changes instead
            self.layoutAboutToBeChanged.emit()
            del self._groups[row]
            self._groups.insert(at, group)
            self.layoutChanged.emit()

    def _insert(self, item_id: str, signal: bool = True) -> None:
        if not self.shows(item_id):
            return
        key, sort_key = self.placement(item_id)
        group = self._ensure_group(key, signal, sort_key)
        at = bisect.bisect_left([self._keys[i] for i in group.rows], sort_key)
        if signal:
            self.beginInsertRows(self._group_index(group), at, at)
        group.rows.insert(at, item_id)
        self._where[item_id] = group
        self._keys[item_id] = sort_key
        if signal:
            self.endInsertRows()
        if at == 0:
            self._regroup(group, signal)

    def _remove(self, item_id: str) -> None:
        group = self._where.pop(item_id, None)
        if group is None:
            return
        at = group.rows.index(item_id)
        self.beginRemoveRows(self._group_index(group), at, at)
        del group.rows[at]
        del self._keys[item_id]
        self.endRemoveRows()
        self._drop_group_if_empty(group)
        if at == 0:
            self._regroup(group)

    def _reposition(self, item_id: str) -> None:
        """Moves a row whose group or sort position changed (one rowsMoved, no reset)."""
        key, sort_key = self.placement(item_id)
        source = self._where[item_id]
        if source.key == key and self._keys[item_id] == sort_key:
            return
        row = source.rows.index(item_id)
        target = self._ensure_group(key, True, sort_key)
        others = [i for i in target.rows if i != item_id]
        at = bisect.bisect_left([self._keys[i] for i in others], sort_key)
        self._keys[item_id] = sort_key
        if target is source and at == row:
            self._regroup(source)  # its first row's key may have changed
            return
        # Qt counts the destination before the row leaves its old place.
        dest = at + 1 if target is source and at > row else at
        if self.beginMoveRows(self._group_index(source), row, row, self._group_index(target), dest):
            del source.rows[row]
            target.rows.insert(at, item_id)
            self._where[item_id] = target
            self.endMoveRows()
        else:  # Qt refused the move (should not happen): remove and insert instead
            self.beginRemoveRows(self._group_index(source), row, row)
            del source.rows[row]
            self.endRemoveRows()
            self.beginInsertRows(self._group_index(target), at, at)
            target.rows.insert(at, item_id)
            self._where[item_id] = target
            self.endInsertRows()
        self._drop_group_if_empty(source)
        self._regroup(target)
        if source is not target and source.rows:
            self._regroup(source)
