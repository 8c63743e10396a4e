"""The grid's pure parts: editor state -> change set, rows -> typed frame, schema -> column config.

AppTest cannot type into a data editor, so the save logic is a pure function
tested here directly, and end to end in the browser tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from db.changes import apply
from db.errors import InvalidChanges
from db.queries import Query, fetch_page
from schema.crm import CUSTOMERS, FOLLOW_UPS
from tests.conftest import ADMIN, TODAY
from ui.cells import OPEN, column_config, to_frame
from ui.grid import Grid, RowName, changes_from_editor

CUSTOMER_GRID = Grid(CUSTOMERS, key="test.customers", columns=tuple(c.name for c in CUSTOMERS.columns),
                     open_param="customer")
FOLLOW_UP_GRID = Grid(FOLLOW_UPS, key="test.follow_ups", columns=tuple(c.name for c in FOLLOW_UPS.columns),
                      fixed={"customer_id": 7})


def test_edited_rows_are_mapped_from_positions_to_ids_and_versions():
    state = {"edited_rows": {2: {"phone": "13800138000"}, 0: {"stage": "won", "tags": ["repeat"]}},
             "added_rows": [], "deleted_rows": []}
    changes, opened = changes_from_editor(CUSTOMER_GRID, state, ids=[31, 32, 33], versions=[1, 4, 2],
                                          names=["甲", "乙", "丙"])
    assert [(e.row_id, e.version, dict(e.values), e.row) for e in changes.edits] == [
        (31, 1, {"stage": "won", "tags": ["repeat"]}, RowName(1, "甲")),
        (33, 2, {"phone": "13800138000"}, RowName(3, "丙")),
    ]
    assert (changes.inserts, changes.deletes, opened) == ((), (), [])


def test_ticking_the_open_box_opens_the_row_and_is_not_an_edit():
    state = {"edited_rows": {1: {OPEN: True}}, "added_rows": [], "deleted_rows": []}
    changes, opened = changes_from_editor(CUSTOMER_GRID, state, ids=[31, 32], versions=[1, 1])
    assert changes.is_empty()
    assert opened == [32]


def test_empty_new_rows_wait_and_filled_ones_get_the_fixed_link():
    state = {"edited_rows": {}, "deleted_rows": [],
             "added_rows": [{}, {"method": None, "content": ""}, {"content": "电话沟通报价", "method": "phone"}]}
    changes, _ = changes_from_editor(FOLLOW_UP_GRID, state, ids=[], versions=[])
    assert [(dict(n.values), n.row) for n in changes.inserts] == [
        ({"content": "电话沟通报价", "method": "phone", "customer_id": 7}, RowName(3, new=True)),
    ]


def test_deleted_rows_carry_their_versions_and_drop_their_edits():
    state = {"edited_rows": {0: {"contact": "王明"}, 1: {"contact": "李雷"}}, "added_rows": [], "deleted_rows": [1]}
    changes, _ = changes_from_editor(CUSTOMER_GRID, state, ids=[31, 32], versions=[3, 5])
    assert [(d.row_id, d.version) for d in changes.deletes] == [(32, 5)]
    assert [e.row_id for e in changes.edits] == [31]


def test_an_invalid_cell_from_the_grid_is_reported_with_its_row_name(db, make_customer):
    customer = make_customer(name="华东精密有限公司")
    state = {"edited_rows": {0: {"phone": "1380013"}}, "added_rows": [], "deleted_rows": []}
    changes, _ = changes_from_editor(CUSTOMER_GRID, state, ids=[customer], versions=[1], names=["华东精密有限公司"])
    with pytest.raises(InvalidChanges) as error:
        apply(db, changes, actor=ADMIN)
    assert str(error.value.problems[0].row) == "第 1 行（华东精密有限公司）"


def test_values_the_grid_sends_back_round_trip_through_the_change_set(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司", tags=["comparing"], owner_id=1)
    make_follow_up(customer, time="2026-11-20 10:00", next_follow_up_on="2026-11-27")
    # What glide-data-grid sends for a datetime, a date, a select, a multiselect and a link.
    state = {"edited_rows": {0: {"time": "2026-11-21T15:45:00.000", "next_follow_up_on": "2026-11-28",
                                 "method": "visit", "person_id": 1}}, "added_rows": [], "deleted_rows": []}
    follow_up = fetch_page(db, Query("follow_ups"), actor=ADMIN, today=TODAY)[0]
    changes, _ = changes_from_editor(FOLLOW_UP_GRID, state, ids=[follow_up["id"]], versions=[follow_up["version"]])
    apply(db, changes, actor=ADMIN)
    saved = dict(db["follow_ups"].get(follow_up["id"]))
    assert (saved["time"], saved["next_follow_up_on"], saved["method"], saved["person_id"]) == (
        "2026-11-21 15:45", "2026-11-28", "visit", 1)


def test_the_frame_has_one_typed_column_per_visible_column(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司", tags=["strong_intent", "comparing"], owner_id=1, stage="intent")
    make_follow_up(customer, time="2026-11-20 10:00", method="wechat", next_follow_up_on="2026-11-27")
    rows = fetch_page(db, Query("customers"), actor=ADMIN, today=TODAY)
    frame = to_frame(CUSTOMERS, CUSTOMER_GRID.visible, rows, with_open=True)
    assert list(frame.columns) == [OPEN, *CUSTOMER_GRID.visible]
    first = frame.iloc[0]
    assert (bool(first[OPEN]), first["name"], first["stage"], list(first["tags"]), int(first["owner_id"])) == (
        False, "甲公司", "intent", ["strong_intent", "comparing"], 1)
    assert first["last_follow_up_at"] == dt.datetime(2026, 11, 20, 10, 0)
    assert first["next_follow_up_on"] == dt.date(2026, 11, 27)
    assert (first["last_method"], int(first["follow_up_count"]), int(first["days_since_follow_up"])) == ("微信", 1, 2)


def test_the_follow_up_grid_hides_the_fixed_customer_column():
    assert "customer_id" not in FOLLOW_UP_GRID.visible
    assert "customer_id" not in column_config(FOLLOW_UPS, FOLLOW_UP_GRID.visible, {})


def test_computed_and_system_columns_are_read_only_in_the_grid():
    config = column_config(CUSTOMERS, CUSTOMER_GRID.visible, {"owner_id": {1: "管理员"}}, with_open=True)
    read_only = sorted(name for name, cell in config.items() if cell.get("disabled"))
    assert read_only == sorted(["number", "created_on", "attachments", "last_follow_up_at", "follow_up_count",
                                "days_since_follow_up", "next_follow_up_on", "last_method", "last_content",
                                "lead_score", "score_grade", "due_on", "urgency_class",
                                "effective_win_rate", "weighted_amount", "stage_changed_at", "days_in_stage",
                                "tier", "churn_risk", "lifecycle", "last_satisfaction", "last_revisit_at"])
    assert config["name"]["label"] == "客户名称"
