"""看板视图 in the real Streamlit runtime: cards in columns by a single select; moving a card is an
edit with the grid's checks, version and history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.changes import ChangeSet, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.history import row_history
from tests.conftest import ADMIN, MANAGER, app_for


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def open_board(base: Path, username: str = "admin"):
    app = app_for(base, username)
    app.run()
    app.switch_page("pages/kanban.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def card_select(app, row: dict):
    return app.selectbox(key=f"kanban.customers.stage.{row['id']}.{row['version']}")


def first_lead(base: Path) -> dict:
    with opened(base) as db:
        return dict(next(db.query("SELECT id, version, name FROM customers WHERE stage = 'lead' ORDER BY id DESC "
                                  "LIMIT 1")))


def test_the_board_has_a_column_per_stage_with_its_count(base):
    app = open_board(base)
    with opened(base) as db:
        counts = dict(db.execute("SELECT stage, COUNT(*) FROM customers GROUP BY stage").fetchall())
    headers = [m.value for m in app.markdown if m.value.startswith("**")]
    assert headers[:6] == [f"**{label}** · {counts.get(code, 0):,}" for code, label in (
        ("lead", "线索"), ("intent", "意向"), ("proposal", "方案"), ("negotiation", "谈判"), ("won", "成交"),
        ("lost", "输单"))]


def test_moving_a_card_changes_the_stage_and_is_in_the_history(base):
    row = first_lead(base)
    app = open_board(base)
    card_select(app, row).set_value("intent").run()
    assert [s.value for s in app.success] == [f"已把“{row['name']}”移到“意向”。"]
    with opened(base) as db:
        assert db["customers"].get(row["id"])["stage"] == "intent"
        latest = row_history(db, "customers", row["id"], actor=ADMIN)[0]
    assert latest.changes == {"stage": ("lead", "intent")}


def test_moving_a_card_someone_just_changed_is_refused_and_says_who(base):
    row = first_lead(base)
    app = open_board(base)
    with opened(base) as db:  # 王海涛 edits the customer after the board was drawn
        apply(db, ChangeSet("customers", edits=(RowEdit(row["id"], row["version"], {"contact": "新联系人"}),)),
              actor=MANAGER)
    card_select(app, row).set_value("won").run()
    assert "王海涛" in app.error[0].value
    with opened(base) as db:
        assert db["customers"].get(row["id"])["stage"] == "lead"


def test_a_salesperson_sees_only_their_own_and_pool_cards(base):
    app = open_board(base, "lina")
    with opened(base) as db:
        mine = db.execute("SELECT COUNT(*) FROM customers WHERE owner_id = 3 OR owner_id IS NULL").fetchone()[0]
    headers = [m.value for m in app.markdown if m.value.startswith("**")]
    assert sum(int(h.rsplit("· ", 1)[1].replace(",", "")) for h in headers) == mine
