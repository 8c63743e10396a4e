"""Link fields in the real Streamlit runtime: a cell holding several records names every one of them on the
board and the record page; every link picker (an added table's grid, its record page, the form, a customer's
detail) reaches any record the member may see by typing part of its name; a one-click chart by a link names
each bar by the record it counts, within the member's sight."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from db import fields, tables
from db.changes import ChangeSet, NewRow, RowEdit, apply
from db.charts import ChartSpec, chart_groups
from db.connection import BASE_ENV, opened
from db.fields import load_base
from db.queries import get_row
from tests.conftest import ADMIN, LINA, app_for
from ui.links import CHOICES

#: 张伟's customer, 360th of 360 by name: beyond the first 200 a select offers (the issue's example).
FAR = "青岛鼎盛餐饮管理有限公司"
#: 李娜's customer, also beyond the first 200.
HERS = "长沙鼎盛国际货运有限公司"


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


@pytest.fixture
def contracts(base: Path) -> dict:
    """合同 from its template (客户 links one customer) with 涉及客户 linking several, one contract linking
    张伟's and 李娜's customers, and a 介绍人 on customers linking another customer."""
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "合同", template_code="contracts")
        single = next(c.name for c in load_base(db).table(table).columns if c.label.zh == "客户")
        several = fields.add_field(db, ADMIN, table, "涉及客户", "link", link="customers", multiple=True)
        referrer = fields.add_field(db, ADMIN, "customers", "介绍人", "link", link="customers")
        ids = {name: i for i, name in db.execute("SELECT id, name FROM customers")}
        ranked = [r[0] for r in db.execute("SELECT name FROM customers ORDER BY name, id")]
        assert ranked.index(FAR) >= CHOICES and ranked.index(HERS) >= CHOICES  # what the tests are about
        row = apply(db, ChangeSet(table, inserts=(NewRow({"title": "框架协议", several: [ids[FAR], ids[HERS]]}),)),
                    actor=ADMIN).inserted[0]
    return {"table": table, "single": single, "several": several, "referrer": referrer, "row": row, "ids": ids}


def opened_app(base: Path, username: str, page: str, **query):
    app = app_for(base, username)
    app.run()
    app.switch_page(page)
    app.query_params.update(query)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


#: Where a link is picked: the page, its address, the search box, the grid (None: the form's select), and
#: the link column, for the contracts fixture. A customer's detail picks 介绍人 in its profile.
PLACES = {
    "grid": lambda c: ("pages/tables.py", {"table": c["table"]}, f"tables.{c['table']}.link_search",
                       f"tables.{c['table']}.editor", c["single"]),
    "record": lambda c: ("pages/tables.py", {"table": c["table"], "record": str(c["row"])},
                         f"tables.{c['table']}.record.{c['row']}.link_search",
                         f"tables.{c['table']}.record.{c['row']}", c["single"]),
    "form": lambda c: ("pages/form.py", {"table": c["table"]}, f"form.{c['table']}.link_search", None,
                       c["single"]),
    "customer": lambda c: ("pages/customers.py", {"customer": str(c["ids"][HERS])},
                           f"customer.{c['ids'][HERS]}.link_search", f"customer.{c['ids'][HERS]}.profile",
                           c["referrer"]),
}


def editor(app, grid: str):
    return next(d for d in app.dataframe if f"-{grid}." in d.proto.id)


def offered(app, grid: str | None, column: str, form_table: str = "") -> list[str]:
    """The names a link select offers: a grid column's options, or the form's select (less 不选)."""
    if grid is None:
        return [o for o in app.selectbox(key=f"form.{form_table}.{column}").options if o != "—"]
    config = json.loads(editor(app, grid).proto.columns)[column]
    return [option["label"] for option in config["type_config"]["options"]]


def type_into(app, grid: str, state: dict) -> None:
    """Send the editor state a browser would send for ``grid``, and run the app."""
    full = {"edited_rows": {}, "added_rows": [], "deleted_rows": []} | state
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=editor(app, grid).proto.id, string_value=json.dumps(full)))
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]


def test_a_card_names_every_customer_a_multiple_link_holds(base, contracts):
    app = opened_app(base, "admin", "pages/kanban.py", table=contracts["table"])
    assert f"涉及客户：{FAR}、{HERS}" in [c.value for c in app.caption]


def test_a_salespersons_card_names_only_the_linked_customers_she_may_see(base, contracts):
    app = opened_app(base, "lina", "pages/kanban.py", table=contracts["table"])
    assert f"涉及客户：{HERS}" in [c.value for c in app.caption]
    assert not any(FAR in c.value for c in app.caption)


def test_the_record_page_of_a_multiple_link_names_every_linked_customer(base, contracts):
    table, row, several = contracts["table"], contracts["row"], contracts["several"]
    app = opened_app(base, "admin", "pages/tables.py", table=table, record=str(row))
    grid = f"tables.{table}.record.{row}"
    cell = list(editor(app, grid).value[several][0])
    config = json.loads(editor(app, grid).proto.columns)[several]["type_config"]["options"]
    names = {option["value"]: option["label"] for option in config}
    assert [names[i] for i in cell] == [FAR, HERS]


@pytest.mark.parametrize("place", PLACES)
def test_a_customer_beyond_the_first_200_is_found_by_name_and_linked(base, contracts, place):
    page, query, search, grid, column = PLACES[place](contracts)
    app = opened_app(base, "admin", page, **query)
    assert FAR not in offered(app, grid, column, contracts["table"])
    assert any("只列出按名称排序的前 200 条" in c.value for c in app.caption)  # and typing finds the others

    app.text_input(key=search).input("青岛鼎盛餐饮").run()

    if place == "form":  # a form keeps offering what it offered before (a pick is sent only with 提交), after
        assert offered(app, grid, column, contracts["table"])[0] == FAR  # what was found
    else:
        assert offered(app, grid, column, contracts["table"]) == [FAR]
    far = contracts["ids"][FAR]
    if place == "form":
        app.text_input(key=f"form.{contracts['table']}.title").input("鼎盛餐饮年度合同")
        app.selectbox(key=f"form.{contracts['table']}.{column}").set_value(far)
        next(b for b in app.button if b.label == "提交").click().run()
        assert app.success[0].value.startswith("已提交")
    elif place == "grid":
        type_into(app, grid, {"added_rows": [{"title": "鼎盛餐饮年度合同", column: far}]})
    else:
        type_into(app, grid, {"edited_rows": {"0": {column: far}}})
    with opened(base) as db:
        table = "customers" if place == "customer" else contracts["table"]
        linked = db.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', [far]).fetchone()[0]
    assert linked == 1


@pytest.mark.parametrize("place", PLACES)
def test_a_salespersons_search_offers_only_the_customers_she_may_see(base, contracts, place):
    page, query, search, grid, column = PLACES[place](contracts)
    app = opened_app(base, "lina", page, **query)
    app.text_input(key=search).input("鼎盛").run()
    with opened(base) as db:
        hers = [r[0] for r in db.execute("SELECT name FROM customers WHERE name LIKE '%鼎盛%' AND "
                                         "(owner_id = ? OR owner_id IS NULL) ORDER BY name, id", [LINA.user_id])]
        visible = {r[0] for r in db.execute("SELECT name FROM customers WHERE owner_id = ? OR owner_id IS NULL",
                                            [LINA.user_id])}
    assert FAR not in hers and HERS in hers
    if place == "form":  # what it offered before too (see above), all hers
        assert set(hers) <= set(offered(app, grid, column, contracts["table"])) <= visible
    else:
        assert sorted(offered(app, grid, column, contracts["table"])) == sorted(hers)


@pytest.mark.parametrize("username", ["admin", "lina"])
def test_every_bar_of_follow_ups_by_customer_is_a_customer_the_member_may_see_by_name(base, username):
    app = opened_app(base, username, "pages/follow_ups.py")
    app.selectbox(key="quick_chart.follow_ups.zh.column").set_value("customer_id").run()
    bars = list(app.dataframe[0].value["客户"])  # the table of numbers beside the chart
    actor = {"admin": ADMIN, "lina": LINA}[username]
    with opened(base) as db:
        counted = {x for x, _, _ in chart_groups(db, ChartSpec("follow_ups", "customer_id"), actor=actor)}
        names = {i: get_row(db, "customers", i, actor=actor)["name"] for i in counted}
    assert not [bar for bar in bars if bar.startswith("#")]
    assert sorted(bars) == sorted(names.values())


def test_a_chart_by_a_link_never_names_a_customer_the_member_may_not_see(base, contracts):
    app = opened_app(base, "lina", "pages/tables.py", table=contracts["table"])
    app.selectbox(key=f"quick_chart.{contracts['table']}.zh.column").set_value(contracts["several"]).run()
    bars = list(app.dataframe[0].value["涉及客户"])
    assert HERS in bars and FAR not in bars
    assert f"#{contracts['ids'][FAR]}" in bars  # counted (the contract is hers to see), not named


def test_a_records_history_names_the_customers_a_link_held_before_and_after(base, contracts):
    table, row, several = contracts["table"], contracts["row"], contracts["several"]
    with opened(base) as db:
        apply(db, ChangeSet(table, edits=(RowEdit(row, 1, {several: [contracts["ids"][FAR]]}),)), actor=ADMIN)
    app = opened_app(base, "admin", "pages/tables.py", table=table, record=str(row))
    history = app.dataframe[-1].value
    change = history[(history["字段"] == "涉及客户") & (history["操作"] == "修改")].iloc[0]
    assert (change["原值"], change["新值"]) == (f"{FAR}、{HERS}", FAR)
