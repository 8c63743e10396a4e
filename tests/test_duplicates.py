"""查重: normalized keys, exact duplicates refused, near ones warned, the 查重 page, merging and its undo."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetState

from db import duplicates
from db.access import AccessDenied
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply, bulk_load
from db.connection import BASE_ENV, opened
from db.duplicates import SimilarCustomers, email_key, key_drift, merge, name_key, phone_key, scan
from db.errors import InvalidChanges, Problem, StaleRow
from db.history import row_history
from db.queries import current_versions, get_row
from db.undo import trash, undo
from tests.conftest import ADMIN, BOSS, CUSTOMERS_PAGE, LINA, MANAGER, SALES, ZHANGWEI, app_for
from ui.i18n import LANGUAGE_KEY
from ui.messages import describe


def add(db, actor=ADMIN, *, allow_similar=False, **values) -> int:
    return apply(db, ChangeSet("customers", inserts=(NewRow(values, row="新增第 1 行"),)), actor=actor,
                 allow_similar=allow_similar).inserted[0]


def written_before_checks(db, **values) -> int:
    """A customer written straight into the base, as one from before 查重 (or an import) would be."""
    values = {"number": f"OLD{db['customers'].count + 1}", "created_on": "2026-01-05", **values}
    cursor = db.execute(f"INSERT INTO customers ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                        list(values.values()))
    return cursor.lastrowid


def version(db, customer_id: int) -> int:
    return current_versions(db, "customers", [customer_id])[customer_id]


@pytest.mark.parametrize(("raw", "key"), [
    ("上海瑞拓科技有限公司", "上海瑞拓科技"),
    ("上海瑞拓科技有限责任公司", "上海瑞拓科技"),
    ("上海瑞拓科技股份有限公司", "上海瑞拓科技"),
    ("上海瑞拓科技集团股份有限公司", "上海瑞拓科技"),
    ("上海瑞拓科技（中国）有限公司", "上海瑞拓科技"),
    ("上海瑞拓科技(中国)股份公司", "上海瑞拓科技"),
    (" 上海 瑞拓-科技 集团 ", "上海瑞拓科技"),
    ("ＡＢＣ贸易有限公司", "abc贸易"),
    ("Acme Trading Co., Ltd.", "acmetrading"),
    ("ACME TRADING CO LTD", "acmetrading"),
    ("Costco", "costco"),
    ("并发客户1-11", "并发客户1-11"),
    ("并发客户 11 / 1", "并发客户11-1"),
    ("有限公司", "有限公司"),
    ("", None),
])
def test_company_names_are_compared_without_width_case_spaces_and_legal_forms(raw, key):
    assert name_key(raw) == key


@pytest.mark.parametrize(("raw", "key"), [
    ("+86 138-0013-8000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("１３８ ００１３ ８０００", "13800138000"),
    ("(021) 6234-5678", "021-62345678"),
    ("021 6234 5678 转 801", "021-62345678-801"),
    ("12345", "12345"),  # a stored value that is no phone: its digits
    (None, None),
])
def test_phones_are_compared_as_they_are_stored(raw, key):
    assert phone_key(raw) == key


@pytest.mark.parametrize(("raw", "key"), [
    ("Sales@Ruituo.COM", "sales@ruituo.com"),
    ("ｓａｌｅｓ＠ruituo.com ", "sales@ruituo.com"),
    ("", None),
])
def test_e_mails_are_compared_in_lower_case(raw, key):
    assert email_key(raw) == key


@pytest.mark.parametrize(("values", "column", "value"), [
    ({"name": "上海瑞拓科技集团股份有限公司"}, "name", "上海瑞拓科技集团股份有限公司"),
    ({"name": "别的名字", "phone": "+86 138 0013 8000"}, "phone", "13800138000"),
    ({"name": "又一个名字", "email": "SALES@RUITUO.COM"}, "email", "sales@ruituo.com"),
])
def test_an_exact_duplicate_is_refused_naming_the_existing_customer_and_its_owner(crew, values, column, value):
    existing = add(crew, name="上海瑞拓科技有限公司", phone="13800138000", email="sales@ruituo.com", owner_id=3)
    with pytest.raises(InvalidChanges) as refused:
        add(crew, **values)
    assert refused.value.problems == [Problem("新增第 1 行", column, value, "invalid.duplicate", {
        "customer": existing, "name": "上海瑞拓科技有限公司", "owner": "张伟", "visible": True})]
    assert crew["customers"].count == 1


def test_a_duplicate_of_a_pool_customer_names_no_owner(crew):
    existing = add(crew, name="公海客户有限公司")
    with pytest.raises(InvalidChanges) as refused:
        add(crew, SALES, name="公海客户股份有限公司")
    assert refused.value.problems[0].params == {"customer": existing, "name": "公海客户有限公司", "owner": None,
                                                "visible": True}


def test_a_salesperson_learns_only_the_owner_of_another_salespersons_customer(crew):
    add(crew, name="张伟的客户有限公司", phone="13900139000", owner_id=3)
    with pytest.raises(InvalidChanges) as refused:
        add(crew, SALES, name="我的新客户", phone="139-0013-9000")
    assert refused.value.problems == [Problem("新增第 1 行", "phone", "13900139000", "invalid.duplicate", {
        "customer": None, "name": None, "owner": "张伟", "visible": False})]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_message_links_a_customer_only_for_those_who_may_see_it(lang):
    st.session_state[LANGUAGE_KEY] = lang
    seen = Problem(1, "phone", "13900139000", "invalid.duplicate",
                   {"customer": 7, "name": "瑞拓[科技]", "owner": "张伟", "visible": True})
    hidden = Problem(1, "phone", "13900139000", "invalid.duplicate",
                     {"customer": None, "name": None, "owner": "张伟", "visible": False})
    pool = Problem(1, "phone", "13900139000", "invalid.duplicate",
                   {"customer": 7, "name": "瑞拓", "owner": None, "visible": True})
    try:
        texts = describe(InvalidChanges("customers", [seen, hidden, pool]))
    finally:
        st.session_state.pop(LANGUAGE_KEY, None)
    link = "[瑞拓\\[科技\\]](/customers?customer=7)"  # the name escaped inside the link
    expected = {
        "zh": [f"「联系电话」第 1 行：“13900139000” 已存在相同的客户 {link}（属于 张伟），不能重复建档",
               "「联系电话」第 1 行：“13900139000” 已存在相同的客户（属于 张伟），不能重复建档",
               "「联系电话」第 1 行：“13900139000” 已存在相同的客户 [瑞拓](/customers?customer=7)（在公海），"
               "不能重复建档"],
        "en": [f"“Phone”, row 1: “13900139000” the same customer exists already {link} (owned by 张伟); it "
               "cannot be added twice",
               "“Phone”, row 1: “13900139000” the same customer exists already (owned by 张伟); it cannot be added "
               "twice",
               "“Phone”, row 1: “13900139000” the same customer exists already [瑞拓](/customers?customer=7) (in "
               "the public pool); it cannot be added twice"],
    }[lang]
    assert [re.sub(r"\\([^\[\]])", r"\1", text) for text in texts] == expected


def test_an_edit_that_makes_a_duplicate_is_refused_and_other_edits_are_not_checked(crew):
    first = add(crew, name="华东精密有限公司", phone="13800138000")
    second = add(crew, name="西南物流有限公司", phone="13800138001")
    with pytest.raises(InvalidChanges) as refused:
        edit = RowEdit(second, version(crew, second), {"phone": "13800138000"}, 2)
        apply(crew, ChangeSet("customers", edits=(edit,)), actor=ADMIN)
    assert [(p.row, p.column, p.params["customer"]) for p in refused.value.problems] == [(2, "phone", first)]
    crew.execute("UPDATE customers SET phone = '13800138000' WHERE id = ?", [second])  # from before 查重
    apply(crew, ChangeSet("customers", edits=(RowEdit(second, version(crew, second), {"contact": "周敏"}),)),
          actor=ADMIN)
    assert get_row(crew, "customers", second, actor=ADMIN)["contact"] == "周敏"


def test_two_new_rows_with_one_phone_are_refused_naming_the_other_row(crew):
    with pytest.raises(InvalidChanges) as refused:
        apply(crew, ChangeSet("customers", inserts=(NewRow({"name": "甲公司", "phone": "13800138000"}, "新增第 1 行"),
                                                   NewRow({"name": "乙公司", "phone": "13800138000"}, "新增第 2 行"))),
              actor=ADMIN)
    assert refused.value.problems == [Problem("新增第 2 行", "phone", "13800138000", "invalid.duplicate_in_save",
                                              {"other": "新增第 1 行"})]
    assert crew["customers"].count == 0


def test_a_near_duplicate_warns_writes_nothing_and_saves_when_the_user_insists(crew):
    existing = add(crew, name="杭州海纳精密机械有限公司", owner_id=3)
    with pytest.raises(SimilarCustomers) as warned:
        add(crew, name="杭州海纳精密机械制造有限公司")
    assert [(m.row, m.customer_id, m.name, m.owner, m.visible) for m in warned.value.matches] == [
        ("新增第 1 行", existing, "杭州海纳精密机械有限公司", "张伟", True)]
    assert warned.value.matches[0].score >= 85
    assert crew["customers"].count == 1
    added = add(crew, name="杭州海纳精密机械制造有限公司", allow_similar=True)
    assert crew["customers"].count == 2 and added > existing


def test_a_salesperson_is_warned_of_another_salespersons_similar_customer_without_its_name(crew):
    add(crew, name="杭州海纳精密机械有限公司", owner_id=3)
    with pytest.raises(SimilarCustomers) as warned:
        add(crew, SALES, name="杭州海纳精密机械制造有限公司")
    assert [(m.customer_id, m.name, m.owner, m.visible) for m in warned.value.matches] == [(None, None, "张伟", False)]
    assert warned.value.matches[0].score is None  # not even how alike: the score would let her guess the name


def test_the_similarity_rule_decides_what_is_near(crew):
    from db.settings import update_rules

    add(crew, name="杭州海纳精密机械有限公司")
    update_rules(crew, ADMIN, {"duplicate_similarity": 99})
    add(crew, name="杭州海纳精密机械制造有限公司")  # 92% alike: no longer near
    assert crew["customers"].count == 2


def test_near_matches_are_found_through_the_pair_index_at_any_position(crew):
    names = ["北京远景数据科技有限公司", "上海远景数据", "远景数据科技北京", "南京华信通讯"]
    ids = [add(crew, name=name, allow_similar=True) for name in names]
    found = duplicates.similar_to(crew, name_key("北京远景数据科技发展有限公司"), threshold=0.85)
    assert [i for i, _ in found] == [ids[0]]
    assert duplicates.similar_to(crew, name_key("京远景数据科技"), threshold=0.85)[0][0] == ids[0]


def test_customer_keys_never_drift_through_edits_deletions_undo_restore_and_merges(crew, make_follow_up):
    rng = random.Random(7)
    ids = [add(crew, name=f"客户{i}号贸易有限公司", phone=f"1380013{i:04d}", allow_similar=True) for i in range(12)]
    for step in range(40):
        alive = [i for i in ids if crew.execute("SELECT 1 FROM customers WHERE id = ?", [i]).fetchone()]
        target = rng.choice(alive)
        action = rng.choice(("rename", "phone", "email", "delete", "undo"))
        try:
            if action == "delete":
                apply(crew, ChangeSet("customers", deletes=(RowDelete(target, version(crew, target)),)), actor=ADMIN)
            elif action == "undo":
                last = crew.execute("SELECT MAX(change_id) FROM history").fetchone()[0]
                undo(crew, last, actor=ADMIN)
            else:
                value = {"rename": f"新名字{step}（中国）有限公司", "phone": f"+86 139 0000 {step:04d}",
                         "email": f"X{step}@Example.com"}[action]
                column = {"rename": "name"}.get(action, action)
                apply(crew, ChangeSet("customers", edits=(RowEdit(target, version(crew, target), {column: value}),)),
                      actor=ADMIN, allow_similar=True)
        except (InvalidChanges, SimilarCustomers):
            pass
        assert key_drift(crew) == [], (step, action)
    alive = [r[0] for r in crew.execute("SELECT id FROM customers ORDER BY id LIMIT 3").fetchall()]
    make_follow_up(alive[1])
    change = merge(crew, alive[0], current_versions(crew, "customers", alive), actor=ADMIN)
    assert key_drift(crew) == []
    undo(crew, change, actor=ADMIN)
    assert key_drift(crew) == []
    with bulk_load(crew, "customers"):
        written_before_checks(crew, name="批量导入有限公司", phone="13700137000")
    assert key_drift(crew) == []


def test_the_demo_base_keeps_its_keys(demo_db):
    assert key_drift(demo_db) == []


# --- the whole base and merging -----------------------------------------------

@pytest.fixture
def group(crew, make_follow_up):
    """Three records of one customer (the second by phone, the third by a similar name) and one other."""
    kept = add(crew, name="杭州海纳精密机械有限公司", phone="13800138000", owner_id=3)
    twin = written_before_checks(crew, name="海纳精密（杭州）", phone="13800138000", email="info@haina.com",
                                 contact="周敏", owner_id=2)
    near = add(crew, name="杭州海纳精密机械制造有限公司", notes="老客户", allow_similar=True)
    other = add(crew, name="南京华信通讯有限公司")
    for customer in (kept, twin, twin, near):
        make_follow_up(customer)
    crew.conn.commit()
    return kept, twin, near, other


def test_the_scan_groups_exact_and_similar_duplicates(crew, group):
    kept, twin, near, _ = group
    found = scan(crew, ADMIN)
    assert [(g.ids, g.reasons) for g in found] == [([kept, twin, near], {"phone", "similar"})]


def test_a_salesperson_may_not_scan_or_merge(crew, group):
    with pytest.raises(AccessDenied):
        scan(crew, SALES)
    with pytest.raises(AccessDenied):
        merge(crew, group[0], current_versions(crew, "customers", list(group[:3])), actor=SALES)


def test_a_merge_moves_follow_ups_fills_empty_fields_and_deletes_the_rest_in_one_change(crew, group):
    kept, twin, near, other = group
    follow_ups = crew.execute("SELECT id FROM follow_ups ORDER BY id").fetchall()
    change = merge(crew, kept, current_versions(crew, "customers", [kept, twin, near]), actor=BOSS)
    after = get_row(crew, "customers", kept, actor=ADMIN)
    assert (after["follow_up_count"], after["email"], after["contact"], after["notes"], after["owner_id"]) == (
        4, "info@haina.com", "周敏", "老客户", 3)
    assert crew.execute("SELECT id FROM follow_ups WHERE customer_id = ? ORDER BY id", [kept]).fetchall() == follow_ups
    assert [r[0] for r in crew.execute("SELECT id FROM customers ORDER BY id")] == [kept, other]
    assert {r[0] for r in crew.execute("SELECT DISTINCT change_id FROM history WHERE id > (SELECT MAX(id) FROM "
                                       "history WHERE change_id < ?)", [change])} == {change}
    assert [(e.action, set(e.changes)) for e in row_history(crew, "customers", kept, actor=ADMIN)][:1] == [
        ("update", {"email", "contact", "notes"})]
    assert [d.row_ids for d in trash(crew, actor=ADMIN)] == [[twin, near]]


def test_undoing_a_merge_brings_everything_back(crew, group):
    kept, twin, near, _ = group
    before = {i: get_row(crew, "customers", i, actor=ADMIN) for i in (kept, twin, near)}
    placed = crew.execute("SELECT id, customer_id FROM follow_ups ORDER BY id").fetchall()
    change = merge(crew, kept, current_versions(crew, "customers", [kept, twin, near]), actor=ADMIN)
    undo(crew, change, actor=ADMIN)
    assert crew.execute("SELECT id, customer_id FROM follow_ups ORDER BY id").fetchall() == placed
    for i, row in before.items():
        now = get_row(crew, "customers", i, actor=ADMIN)
        assert {k: v for k, v in now.items() if k not in ("version", "updated_at", "updated_by")} == {
            k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by")}


def test_a_merge_that_fails_half_way_writes_nothing(crew, group, monkeypatch):
    kept, twin, near, _ = group
    placed = crew.execute("SELECT id, customer_id, version FROM follow_ups ORDER BY id").fetchall()
    history = crew.execute("SELECT COUNT(*) FROM history").fetchone()[0]

    def broken(*args):  # after the follow-ups were moved, before the deletions
        raise RuntimeError("disk full")

    monkeypatch.setattr(duplicates, "_fill", broken)
    with pytest.raises(RuntimeError):
        merge(crew, kept, current_versions(crew, "customers", [kept, twin, near]), actor=ADMIN)
    assert crew.execute("SELECT id, customer_id, version FROM follow_ups ORDER BY id").fetchall() == placed
    assert crew.execute("SELECT COUNT(*) FROM history").fetchone()[0] == history
    assert crew["customers"].count == 4


def test_a_merge_over_a_customer_changed_since_it_was_read_is_refused_and_writes_nothing(crew, group):
    kept, twin, near, _ = group
    seen = current_versions(crew, "customers", [kept, twin, near])
    apply(crew, ChangeSet("customers", edits=(RowEdit(near, seen[near], {"contact": "新联系人"}),)), actor=MANAGER)
    history = crew.execute("SELECT COUNT(*) FROM history").fetchone()[0]
    with pytest.raises(StaleRow):
        merge(crew, kept, seen, actor=ADMIN)
    assert crew.execute("SELECT COUNT(*) FROM history").fetchone()[0] == history
    assert crew["customers"].count == 4


# --- in the app ----------------------------------------------------------------

@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def _customer_of(path: Path, owner: int) -> dict:
    with opened(path) as db:
        row = db.execute("SELECT id, name, phone FROM customers WHERE owner_id = ? AND phone IS NOT NULL ORDER BY id "
                         "LIMIT 1", [owner]).fetchone()
    return {"id": row[0], "name": row[1], "phone": row[2]}


def _add_in_grid(app, **values) -> None:
    state = {"edited_rows": {}, "added_rows": [values], "deleted_rows": []}
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=app.dataframe[0].proto.id, string_value=json.dumps(state)))
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]


def test_in_the_grid_a_duplicate_links_to_ones_own_customer_but_not_to_anothers(demo):
    mine, theirs = _customer_of(demo, LINA.user_id), _customer_of(demo, ZHANGWEI.user_id)
    app = app_for(demo, "lina", page=CUSTOMERS_PAGE)
    app.run()
    _add_in_grid(app, name="全新客户甲", phone=mine["phone"])
    assert f"(/customers?customer={mine['id']})" in app.error[0].value
    app.button(key="customers.editor.discard").click().run()
    _add_in_grid(app, name="全新客户乙", phone=theirs["phone"])
    message = app.error[0].value
    assert "属于 张伟" in message and "customer=" not in message
    assert theirs["name"].replace("（", "").split("有限")[0][:4] not in message.replace("\\", "")


def test_in_the_grid_a_near_duplicate_is_held_with_a_warning_and_saved_anyway(demo):
    existing = _customer_of(demo, LINA.user_id)
    app = app_for(demo, "lina", page=CUSTOMERS_PAGE)
    app.run()
    near = name_key(existing["name"]) + "发展"
    _add_in_grid(app, name=near)
    assert app.warning[0].value.startswith("没有保存：有名称相似的客户")
    assert f"(/customers?customer={existing['id']})" in app.warning[0].value
    app.button(key="customers.editor.save_anyway").click().run()
    assert app.success[0].value == "已保存：新增 1 行。"
    with opened(demo) as db:
        assert db.execute("SELECT owner_id FROM customers WHERE name = ?", [near]).fetchone() == (LINA.user_id,)


def test_the_form_warns_of_a_similar_customer_keeps_the_input_and_submits_anyway(demo):
    existing = _customer_of(demo, LINA.user_id)
    app = app_for(demo, "lina")
    app.run()
    app.switch_page("pages/form.py").run()
    near = name_key(existing["name"]) + "发展"
    app.text_input(key="form.customers.name").input(near)
    app.button[0].click().run()
    assert app.warning[0].value.startswith("没有保存：有名称相似的客户")
    assert app.text_input(key="form.customers.name").value == near
    app.button(key="form.customers.save_anyway").click().run()
    assert app.success[0].value == f"已提交：{near}。可以继续填写下一位。"


def test_the_duplicates_page_lists_groups_and_merges_one(base_file, monkeypatch):
    monkeypatch.setenv(BASE_ENV, str(base_file))
    with opened(base_file) as db:
        first = add(db, name="杭州海纳精密机械有限公司", phone="13800138000")
        second = written_before_checks(db, name="海纳（杭州）", phone="13800138000")
        add(db, name="南京华信通讯有限公司")
        db.conn.commit()
    app = app_for(base_file)
    app.run()
    app.switch_page("pages/duplicates.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert [m.value for m in app.markdown if m.value.startswith("**")] == ["**第 1 组：2 位客户（电话相同）**"]
    assert list(app.dataframe[0].value["编号"]) == [first, second]
    app.radio(key=f"duplicates.keep.{first}").set_value(second).run()
    app.button(key=f"duplicates.merge.{first}").click().run()
    assert app.success[0].value.startswith("已合并：1 位客户并入“海纳")
    with opened(base_file) as db:
        assert [r[0] for r in db.execute("SELECT id FROM customers ORDER BY id")] == [second, second + 1]


@pytest.mark.parametrize(("username", "listed"), [("wanghaitao", True), ("admin", True), ("lina", False)])
def test_the_duplicates_page_is_in_the_menu_of_managers_and_administrators(demo, username, listed):
    app = app_for(demo, username, lang="en")
    app.run()
    if not listed:
        with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page the navigation does not hold
            app.switch_page("pages/duplicates.py").run()
        return
    app.switch_page("pages/duplicates.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Duplicate check"
