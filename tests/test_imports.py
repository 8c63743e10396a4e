"""导入 in the core: a plan that writes nothing, decisions on duplicates, one change written and taken back whole."""

from __future__ import annotations

import pytest

from db import imports, snapshots
from db.access import AccessDenied
from db.changes import ChangeSet, RowEdit, apply
from db.duplicates import key_drift
from db.errors import Problem
from db.imports import ADD, SKIP, UPDATE, Counts, ImportRefused, plan, run, undo_import
from db.queries import current_versions, stored_drift
from db.undo import UndoRefused
from tests.conftest import ADMIN, BOSS, NOW, OTHER, SALES, insert


def customers(db) -> list[tuple]:
    return db.execute("SELECT name, phone, owner_id FROM customers ORDER BY id").fetchall()


def imported(db, base_file, rows, *, table="customers", actor=ADMIN, decisions=None, **options):
    found = plan(db, table, rows, actor=actor, now=NOW, **options)
    return found, run(db, found, decisions, actor=actor, file_name="客户.xlsx", base_path=base_file, now=NOW)


def test_a_plan_writes_nothing_counts_what_it_would_add_and_lists_every_problem(crew):
    rows = [(3, {"name": "上海瑞拓科技有限公司", "phone": "13800138000", "industry": "制造业"}),
            (4, {"name": "", "phone": "1380013", "stage": "无此阶段"}),
            (5, {"name": "杭州云帆网络", "email": "not-an-email"}),
            (6, {"name": "北京星河贸易", "stage": "成交"})]

    found = plan(crew, "customers", rows, actor=ADMIN, now=NOW)

    assert customers(crew) == []
    assert [p.row for p in found.rows] == [3]
    assert [(p.row, p.column, p.value, p.reason) for p in found.problems] == [
        (4, "name", "", "invalid.required"), (4, "phone", "1380013", "invalid.phone"),
        (4, "stage", "无此阶段", "invalid.choice"), (5, "email", "not-an-email", "invalid.email"),
        (6, "won_amount", None, "invalid.required_when"), (6, "won_on", None, "invalid.required_when"),
        (6, "win_factors", None, "invalid.required_when")]
    assert found.counts() == Counts(added=1, updated=0, skipped=3)


def test_rows_the_member_excluded_are_skipped_without_being_checked(crew):
    found = plan(crew, "customers", [(2, {"name": "甲公司"}), (3, {"name": ""})], actor=ADMIN, now=NOW,
                 excluded=[3])

    assert (found.problems, found.excluded, found.counts()) == ([], [3], Counts(1, 0, 1))


def test_duplicates_within_the_file_and_against_the_base_are_grouped_by_the_rules_of_cha_zhong(crew):
    kept = insert(crew, "customers", name="上海瑞拓科技有限公司", phone="13800138000")
    rows = [(2, {"name": "上海瑞拓科技（中国）有限公司"}),            # the same name as a customer in the base
            (3, {"name": "深圳新星电子", "phone": "+86 139 0013 9000"}),
            (4, {"name": "深圳新星电子股份有限公司"}),                # the same as row 3 in the file
            (5, {"name": "广州海纳物流", "email": "A@Haina.cn"}),
            (6, {"name": "广州海纳物流2", "email": "a@haina.cn"}),   # the same e-mail as row 5
            (7, {"name": "成都天府软件"})]

    found = plan(crew, "customers", rows, actor=ADMIN, now=NOW)

    assert [(g.rows, g.reasons, [e.customer_id for e in g.existing]) for g in found.groups] == [
        ((2,), ("name",), [kept]), ((3, 4), ("name",), []), ((5, 6), ("email",), [])]
    assert found.groups[0].choices == (SKIP, UPDATE, ADD) and found.groups[1].choices == (SKIP, ADD)
    assert found.counts() == Counts(added=3, updated=0, skipped=3)  # skip: repeats keep their first row
    assert found.counts({1: ADD, 2: ADD, 3: ADD}) == Counts(added=6, updated=0, skipped=0)


def test_a_name_much_like_one_in_the_base_is_a_group_too(crew):
    insert(crew, "customers", name="上海瑞拓智能科技有限公司")

    found = plan(crew, "customers", [(2, {"name": "上海瑞拓智能科枝有限公司"})], actor=ADMIN, now=NOW)

    assert [(g.rows, g.reasons) for g in found.groups] == [((2,), ("similar",))] and found.near_checked


def test_the_import_writes_exactly_what_the_preview_counted_for_each_decision(crew, base_file):
    kept = insert(crew, "customers", name="上海瑞拓科技有限公司", phone="13800138000", region="上海")
    rows = [(2, {"name": "上海瑞拓科技", "region": "浦东", "contact": "王总"}),
            (3, {"name": "深圳新星电子", "phone": "13900139000"}),
            (4, {"name": "深圳新星电子有限公司", "phone": "13900139001"}),
            (5, {"name": "成都天府软件"}),
            (6, {"name": ""})]
    found = plan(crew, "customers", rows, actor=ADMIN, now=NOW)
    decisions = {1: UPDATE, 2: ADD}

    record = run(crew, found, decisions, actor=ADMIN, file_name="客户.xlsx", base_path=base_file, now=NOW)

    assert (record.added, record.updated, record.skipped) == (3, 1, 1) == tuple(vars(found.counts(decisions)).values())
    assert crew.execute("SELECT name, region, contact FROM customers WHERE id = ?", [kept]).fetchone() == (
        "上海瑞拓科技有限公司", "浦东", "王总")  # the file's columns written over, its name kept
    assert [name for name, _, _ in customers(crew)] == ["上海瑞拓科技有限公司", "深圳新星电子", "深圳新星电子有限公司",
                                                        "成都天府软件"]
    assert key_drift(crew) == [] and stored_drift(crew, "customers") == []
    assert crew.execute("SELECT COUNT(*), COUNT(stage_changed_at) FROM customers").fetchone() == (4, 4)
    assert crew.execute("SELECT COUNT(*) FROM stage_changes WHERE to_stage = 'lead'").fetchone() == (4,)
    numbers = [n for (n,) in crew.execute("SELECT number FROM customers ORDER BY id")]
    assert len(set(numbers)) == 4 and all(n.startswith("202611") for n in numbers)


def test_an_import_is_one_change_recorded_with_a_snapshot_and_taken_back_whole(crew, base_file, make_follow_up):
    record = imported(crew, base_file, [(2, {"name": "甲公司"}), (3, {"name": "乙公司"})])[1]

    assert crew.execute("SELECT COUNT(DISTINCT change_id), COUNT(*) FROM history WHERE change_id = ?",
                        [record.change_id]).fetchone() == (1, 2)
    assert [s.reason for s in snapshots.listing(base_file)] == ["before-import"]
    assert [(r.file_name, r.user, r.added, r.undone) for r in imports.history(crew, actor=ADMIN)] == [
        ("客户.xlsx", "管理员", 2, False)]

    undone = undo_import(crew, record.id, actor=ADMIN)

    assert customers(crew) == [] and undone.undone
    with pytest.raises(ImportRefused) as refused:
        undo_import(crew, record.id, actor=ADMIN)
    assert refused.value.reason == "import.already_undone"


def test_undoing_an_import_after_one_of_its_rows_was_edited_is_refused_and_writes_nothing(crew, base_file):
    record = imported(crew, base_file, [(2, {"name": "甲公司"}), (3, {"name": "乙公司"})])[1]
    first = crew.execute("SELECT id FROM customers ORDER BY id").fetchone()[0]
    apply(crew, ChangeSet("customers", edits=(RowEdit(first, current_versions(crew, "customers", [first])[first],
                                                      {"region": "上海"}),)), actor=BOSS)

    with pytest.raises(UndoRefused) as refused:
        undo_import(crew, record.id, actor=ADMIN)

    assert refused.value.reason == "undo.changed_since" and len(customers(crew)) == 2
    assert not imports.record(crew, record.id).undone


def test_follow_ups_are_linked_by_customer_number_or_exact_name_and_unmatched_rows_are_reported(crew, base_file):
    first = insert(crew, "customers", name="甲公司")
    second = insert(crew, "customers", name="乙公司")
    number = crew.execute("SELECT number FROM customers WHERE id = ?", [second]).fetchone()[0]
    rows = [(2, {"customer_id": "甲公司", "time": "2026-11-20 10:00", "person_id": "李娜", "content": "电话沟通"}),
            (3, {"customer_id": int(number), "time": "2026-11-21 09:00", "person_id": "zhangwei"}),
            (4, {"customer_id": "甲", "time": "2026-11-21 09:00"}),
            (5, {"customer_id": "乙公司", "time": "2026-11-21 09:00", "person_id": "无名氏"})]

    found, record = imported(crew, base_file, rows, table="follow_ups")

    assert [(p.row, p.column, p.value, p.reason) for p in found.problems] == [
        (4, "customer_id", "甲", "invalid.no_match"), (5, "person_id", "无名氏", "invalid.no_match")]
    assert crew.execute("SELECT customer_id, person_id FROM follow_ups ORDER BY id").fetchall() == [
        (first, 2), (second, 3)]
    assert (record.added, record.skipped) == (2, 2)
    assert crew.execute("SELECT follow_up_count FROM customers ORDER BY id").fetchall() == [(1,), (1,)]


def test_a_customer_name_shared_by_two_customers_is_reported_as_ambiguous_not_guessed(crew):
    insert(crew, "customers", name="同名公司", phone="13800138000")
    crew.execute("INSERT INTO customers (number, name, created_on) VALUES ('X1', '同名公司', '2026-01-01')")

    found = plan(crew, "follow_ups", [(2, {"customer_id": "同名公司", "time": "2026-11-20 10:00"})], actor=ADMIN)

    assert [(p.row, p.reason) for p in found.problems] == [(2, "invalid.ambiguous")] and found.rows == []


def test_a_salespersons_follow_ups_link_only_to_customers_she_may_see(crew):
    insert(crew, "customers", name="张伟的客户", owner_id=3)

    found = plan(crew, "follow_ups", [(2, {"customer_id": "张伟的客户", "time": "2026-11-20 10:00"})], actor=SALES)

    assert [(p.row, p.reason) for p in found.problems] == [(2, "invalid.no_match")]


def test_a_salespersons_imported_customers_are_hers_and_others_are_named_only_by_their_owner(crew, base_file):
    insert(crew, "customers", name="张伟的客户有限公司", owner_id=3)
    rows = [(2, {"name": "李娜的新客户"}), (3, {"name": "张伟的客户"}), (4, {"name": "给张伟的", "owner_id": "张伟"})]

    found = plan(crew, "customers", rows, actor=SALES, now=NOW)

    assert found.groups[0].existing == (imports.Existing(None, None, "张伟", False, None),)
    assert found.groups[0].choices == (SKIP, ADD)
    assert [(p.row, p.reason) for p in found.problems] == [(4, "invalid.outside_scope")]
    run(crew, found, {}, actor=SALES, file_name="a.csv", base_path=base_file, now=NOW)
    assert customers(crew)[1:] == [("李娜的新客户", None, 2)]


def test_a_salesperson_cannot_choose_to_update_a_customer_she_may_not_see(crew):
    insert(crew, "customers", name="张伟的客户有限公司", owner_id=3)
    found = plan(crew, "customers", [(2, {"name": "张伟的客户"})], actor=SALES, now=NOW)

    with pytest.raises(ImportRefused):
        found.counts({1: UPDATE})


def test_the_history_shows_a_salesperson_her_own_imports_and_managers_everyones(crew, base_file):
    imported(crew, base_file, [(2, {"name": "甲公司"})], actor=SALES)
    imported(crew, base_file, [(2, {"name": "乙公司"})], actor=OTHER)

    assert [r.user for r in imports.history(crew, actor=SALES)] == ["李娜"]
    assert [r.user for r in imports.history(crew, actor=BOSS)] == ["张伟", "李娜"]


def test_a_salesperson_may_not_undo_an_import_of_customers_since_that_deletes_them(crew, base_file):
    record = imported(crew, base_file, [(2, {"name": "甲公司"})], actor=SALES)[1]

    with pytest.raises(AccessDenied):
        undo_import(crew, record.id, actor=SALES)
    with pytest.raises(ImportRefused):
        undo_import(crew, record.id, actor=OTHER)
    assert undo_import(crew, record.id, actor=BOSS).undone


def test_members_cannot_be_imported(crew):
    with pytest.raises(ImportRefused):
        plan(crew, "users", [(2, {"username": "x", "display_name": "X"})], actor=ADMIN)


def test_a_customer_changed_between_preview_and_import_is_refused_and_nothing_is_written(crew, base_file):
    from db.errors import StaleRow

    kept = insert(crew, "customers", name="甲公司")
    found = plan(crew, "customers", [(2, {"name": "甲公司", "region": "北京"}), (3, {"name": "乙公司"})],
                 actor=ADMIN, now=NOW)
    apply(crew, ChangeSet("customers", edits=(RowEdit(kept, 1, {"region": "上海"}),)), actor=BOSS)

    with pytest.raises(StaleRow):
        run(crew, found, {1: UPDATE}, actor=ADMIN, file_name="a.csv", base_path=base_file, now=NOW)

    assert [name for name, _, _ in customers(crew)] == ["甲公司"]
    assert crew.execute("SELECT COUNT(*) FROM imports").fetchone() == (0,)


def test_problems_name_the_file_row(crew):
    found = plan(crew, "customers", [(12, {"name": "甲", "phone": "12"})], actor=ADMIN)
    assert found.problems == [Problem(12, "phone", "12", "invalid.phone", {})]
