"""看板视图 in the real Streamlit runtime: cards in columns by a single select; moving a card is an
edit with the grid's checks, version and history."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db import deals
from db.changes import ChangeSet, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.history import row_history
from tests.conftest import ADMIN, MANAGER, WON, app_for


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
    card_select(app, row).set_value("negotiation").run()
    assert "王海涛" in app.error[0].value
    with opened(base) as db:
        assert db["customers"].get(row["id"])["stage"] == "lead"


def test_a_salesperson_sees_only_their_own_and_pool_cards(base):
    app = open_board(base, "lina")
    with opened(base) as db:
        mine = db.execute("SELECT COUNT(*) FROM customers WHERE owner_id = 3 OR owner_id IS NULL").fetchone()[0]
    headers = [m.value for m in app.markdown if m.value.startswith("**")]
    assert sum(int(h.rsplit("· ", 1)[1].replace(",", "")) for h in headers) == mine


def customer(base: Path, row_id: int) -> dict:
    with opened(base) as db:
        return db["customers"].get(row_id)


def answer(app, name: str):
    return {"won_amount": app.text_input, "won_on": app.date_input, "win_factors": app.multiselect,
            "loss_reason": app.selectbox}[name](key=f"kanban.answer.{name}")


def test_moving_a_card_to_won_asks_for_amount_date_and_factors_and_writes_nothing_yet(base):
    row = first_lead(base)
    app = open_board(base)
    card_select(app, row).set_value("won").run()
    assert app.markdown[0].value == f"要把“{row['name']}”移到“成交”，请先填写以下字段（取消则不做任何修改）："
    assert [answer(app, name).label for name in ("won_amount", "won_on", "win_factors")] == [
        "成交金额 \\*", "成交日期 \\*", "成交关键因素 \\*"]
    assert customer(base, row["id"])["stage"] == "lead"


def test_answers_missing_a_factor_are_refused_naming_it_and_stay_in_the_form(base):
    row = first_lead(base)
    app = open_board(base)
    card_select(app, row).set_value("won").run()
    answer(app, "won_amount").input("128,000")
    answer(app, "won_on").set_value(dt.date(2026, 11, 20))
    app.button(key="kanban.ask.save").click().run()
    assert app.error[0].value == f"- 「成交关键因素」{row['name']}：销售阶段为“成交”时必须填写"
    assert answer(app, "won_amount").value == "128,000"  # what was typed stays
    assert customer(base, row["id"])["stage"] == "lead"
    answer(app, "win_factors").set_value(["price", "service"])
    app.button(key="kanban.ask.save").click().run()
    assert [s.value for s in app.success] == [f"已把“{row['name']}”移到“成交”。"]
    saved = customer(base, row["id"])
    assert (saved["stage"], saved["won_amount"], saved["won_on"], saved["win_factors"]) == (
        "won", 128000, "2026-11-20", '["price", "service"]')
    with opened(base) as db:
        latest = row_history(db, "customers", row["id"], actor=ADMIN)[0]  # the move and its answers: one save
        assert latest.changes == {"stage": ("lead", "won"), "won_amount": (None, 128000),
                                  "won_on": (None, "2026-11-20"), "win_factors": (None, '["price", "service"]')}
        assert [(c.from_stage, c.to_stage) for c in deals.changes_of(db, row["id"])][-1] == ("lead", "won")
    assert not [m for m in app.markdown if m.value.startswith("要把")]  # the questions are gone


def test_cancelling_the_questions_writes_nothing_and_puts_the_card_back(base):
    row = first_lead(base)
    app = open_board(base)
    card_select(app, row).set_value("lost").run()
    assert answer(app, "loss_reason").label == "流失原因 \\*"
    app.button(key="kanban.ask.cancel").click().run()
    assert [i.value for i in app.info] == [f"没有移动“{row['name']}”，什么都没有修改。"]
    assert card_select(app, row).value == "lead"
    assert customer(base, row["id"])["stage"] == "lead"


def test_moving_to_lost_with_a_reason_saves_both_and_english_reads_well(base):
    row = first_lead(base)
    app = open_board(base)
    app.session_state["app.lang"] = "en"
    app.run()
    card_select(app, row).set_value("lost").run()
    app.button(key="kanban.ask.save").click().run()
    # (the colon is escaped for Markdown, which would read ":…:" as an emoji code)
    assert app.error[0].value == f"- “Loss reason”, {row['name']}\\: is required when Sales stage is “Lost”"
    answer(app, "loss_reason").set_value("competitor")
    app.button(key="kanban.ask.save").click().run()
    assert (customer(base, row["id"])["stage"], customer(base, row["id"])["loss_reason"]) == ("lost", "competitor")


def test_a_card_that_already_has_what_won_needs_moves_at_once(base):
    row = first_lead(base)
    with opened(base) as db:
        apply(db, ChangeSet("customers", edits=(RowEdit(row["id"], row["version"], WON),)), actor=ADMIN)
    row = first_lead(base)
    app = open_board(base)
    card_select(app, row).set_value("won").run()
    assert [s.value for s in app.success] == [f"已把“{row['name']}”移到“成交”。"]
    assert customer(base, row["id"])["stage"] == "won"
