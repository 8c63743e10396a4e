"""公开表单: forms anyone can fill in without an account — published by managers, checked like the grid, never
showing the base to a visitor; over the data functions, over real HTTP, and on the 表单 page."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from starlette.requests import Request

from db import fields, public_forms, tables
from db.access import AccessDenied
from db.changes import ChangeSet, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.duplicates import SimilarCustomers
from db.errors import InvalidChanges
from db.history import activity, row_history
from db.public_forms import FormBusy, FormClosed, FormError
from db.undo import last_change, undo
from tests.conftest import ADMIN, BOSS, NOW, SALES, app_for, insert
from tests.test_web_auth import fetch, origin, serve
from web import public_forms as web_forms

VISITOR = {"name": "星河数据科技有限公司", "contact": "周先生", "phone": "13800138000", "needs": "想了解销售管理"}


@pytest.fixture
def form(crew) -> public_forms.PublicForm:
    """官网咨询, published by 王海涛 (a manager) on the empty base with the crew: records 来源渠道 官网表单."""
    return public_forms.publish(crew, BOSS, "customers", "官网咨询", source="website", now=NOW)


def test_a_visitors_answers_become_a_customer_in_the_pool_with_the_forms_source_and_a_history(crew, form):
    outcome = public_forms.submit(crew, form.token, VISITOR, "client-1", now=NOW)
    assert outcome.kind == "added"
    row = crew["customers"].get(outcome.record_id)
    assert (row["name"], row["contact"], row["phone"], row["needs"]) == tuple(VISITOR.values())
    assert (row["source"], row["owner_id"], row["stage"]) == ("website", None, "lead")
    [added] = row_history(crew, "customers", outcome.record_id, actor=BOSS)
    assert (added.action, added.user, added.form) == ("insert", None, "官网咨询")  # the form's, under no member


def test_answers_to_fields_the_form_does_not_ask_are_ignored(crew, form):
    sneaky = VISITOR | {"owner_id": SALES.user_id, "stage": "won", "source": "referral", "won_amount": 1e9,
                        "grade": "A"}
    row = crew["customers"].get(public_forms.submit(crew, form.token, sneaky, "client-1", now=NOW).record_id)
    assert (row["owner_id"], row["stage"], row["source"], row["won_amount"], row["grade"]) == (
        None, "lead", "website", None, None)


def test_a_form_with_an_owner_gives_its_customers_to_that_member(crew):
    owned = public_forms.publish(crew, BOSS, "customers", "展会登记", source="expo", owner_id=SALES.user_id)
    row = crew["customers"].get(public_forms.submit(crew, owned.token, VISITOR, "c", now=NOW).record_id)
    assert (row["owner_id"], row["source"]) == (SALES.user_id, "expo")


def test_an_exact_duplicate_adds_nothing_and_keeps_what_the_visitor_typed_for_the_publisher(crew, form):
    existing = insert(crew, "customers", name="星河数据科技有限公司", owner_id=SALES.user_id)
    before = crew.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    outcome = public_forms.submit(crew, form.token, VISITOR, "client-1", now=NOW)
    assert (outcome.kind, outcome.duplicate_of) == ("duplicate", existing)
    assert crew.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == before
    counts, [post] = public_forms.posts(crew, BOSS, form.id)
    assert counts == {"duplicate": 1}
    assert post.duplicate_of == existing and post.answers["phone"] == "13800138000"
    with pytest.raises(AccessDenied):
        public_forms.posts(crew, SALES, form.id)


def test_a_near_duplicate_is_saved_for_the_duplicate_check_to_find_later(crew, form):
    insert(crew, "customers", name="杭州海纳精密机械有限公司")
    near = VISITOR | {"name": "杭州海纳精密机械制造有限公司"}
    with pytest.raises(SimilarCustomers):  # the grid would warn first
        insert(crew, "customers", name=near["name"], allow_similar=False)
    assert public_forms.submit(crew, form.token, near, "client-1", now=NOW).kind == "added"


@pytest.mark.parametrize(("answers", "column", "reason"), [
    (VISITOR | {"phone": "1380013"}, "phone", "invalid.phone"),
    (VISITOR | {"name": ""}, "name", "invalid.required"),
    (VISITOR | {"email": "zhou@"}, "email", "invalid.email"),
    (VISITOR | {"industry": "不存在的行业"}, "industry", "invalid.choice"),
    (VISITOR | {"needs": "长" * 5001}, "needs", "invalid.too_long"),
])
def test_a_bad_answer_is_refused_naming_its_field_and_nothing_is_written(crew, form, answers, column, reason):
    with pytest.raises(InvalidChanges) as refused:
        public_forms.submit(crew, form.token, answers, "client-1", now=NOW)
    assert [(p.column, p.reason) for p in refused.value.problems] == [(column, reason)]
    assert crew.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 0
    assert crew.execute("SELECT outcome, answers FROM public_form_posts").fetchall() == [("refused", None)]


def _visitor(number: int) -> dict[str, str]:
    return VISITOR | {"name": f"访客公司{number}号", "phone": f"1390000{number:04d}"}


def test_refused_posts_count_towards_the_limit_too(crew, form):
    for _ in range(public_forms.PER_CLIENT):
        with pytest.raises(InvalidChanges):
            public_forms.submit(crew, form.token, VISITOR | {"phone": "1"}, "typist", now=NOW)
    with pytest.raises(FormBusy):
        public_forms.submit(crew, form.token, VISITOR, "typist", now=NOW)


def test_the_publishers_undo_never_takes_back_a_visitors_record_and_the_history_names_the_form(crew, form):
    own = insert(crew, "customers", actor=BOSS, name="经理自己加的客户")
    visitor = public_forms.submit(crew, form.token, VISITOR, "c", now=NOW).record_id
    undo(crew, last_change(crew, BOSS), actor=BOSS)
    assert crew["customers"].get(visitor)["name"] == VISITOR["name"]
    assert not crew.execute("SELECT 1 FROM customers WHERE id = ?", [own]).fetchone()
    [added] = row_history(crew, "customers", visitor, actor=BOSS)
    assert (added.user, added.form) == (None, "官网咨询")
    assert (added.user, added.form) in [(e.user, e.form) for e in activity(crew, actor=BOSS)[1]]


def test_an_unticked_checkbox_is_a_no_even_when_the_field_defaults_to_yes(crew):
    table = tables.create_table(crew, ADMIN, "展会登记")
    consent = fields.add_field(crew, ADMIN, table, "同意联系", "checkbox")
    fields.update_field(crew, ADMIN, table, consent, default=True)
    form = public_forms.publish(crew, BOSS, table, "展会登记")
    added = fields.load_base(crew).table(table)
    label = added.label_column
    for posted, stored in (({label: ["甲"]}, 0), ({label: ["乙"], consent: ["1"]}, 1)):
        answers = web_forms._answers(added, form, posted)
        record = public_forms.submit(crew, form.token, answers, "c", now=NOW).record_id
        assert crew[table].get(record)[consent] == stored


def test_a_required_link_added_after_publishing_closes_the_form_and_says_why(crew):
    referrals = tables.create_table(crew, ADMIN, "转介绍记录", template_code="referrals")
    form = public_forms.publish(crew, BOSS, referrals, "转介绍登记")
    link = next(c.name for c in fields.load_base(crew).table(referrals).columns if c.label.zh == "推荐人")
    fields.update_field(crew, ADMIN, referrals, link, required=True)
    assert public_forms.by_token(crew, form.token) is None
    assert public_forms.unusable(form, fields.load_base(crew)).reason == "public_form.needs_link"
    with pytest.raises(FormClosed):
        public_forms.submit(crew, form.token, {}, "c", now=NOW)


def test_customers_of_a_form_whose_owner_was_disabled_go_to_the_pool(crew):
    owned = public_forms.publish(crew, BOSS, "customers", "展会登记", owner_id=SALES.user_id)
    version = crew["users"].get(SALES.user_id)["version"]
    apply(crew, ChangeSet("users", edits=(RowEdit(SALES.user_id, version, {"active": False}),)), actor=ADMIN)
    record = public_forms.submit(crew, owned.token, VISITOR, "c", now=NOW).record_id
    assert crew["customers"].get(record)["owner_id"] is None


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.9", "", "", "203.0.113.9"),
    ("203.0.113.9", "10.0.0.1", "", "203.0.113.9"),  # a client naming itself is not believed
    ("127.0.0.1", "10.0.0.1, 198.51.100.7", "127.0.0.1", "198.51.100.7"),  # the trusted proxy's own entry
    ("127.0.0.1", "", "127.0.0.1", "127.0.0.1"),
    ("192.0.2.1", "198.51.100.7", "127.0.0.1", "192.0.2.1"),  # not the trusted proxy
])
def test_the_client_counted_is_the_connection_or_what_a_trusted_proxy_says(monkeypatch, peer, forwarded, trusted,
                                                                           expected):
    monkeypatch.setenv(web_forms.TRUSTED_PROXIES_ENV, trusted)
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    request = Request({"type": "http", "method": "POST", "path": "/f/x", "headers": headers, "client": (peer, 5)})
    assert web_forms.client_address(request) == expected


@pytest.mark.parametrize(("later", "allowed"), [(dt.timedelta(minutes=9, seconds=59), False),
                                               (dt.timedelta(minutes=10, seconds=1), True)])
def test_a_client_posts_five_times_in_ten_minutes_then_waits(crew, form, later, allowed):
    for number in range(public_forms.PER_CLIENT):
        public_forms.submit(crew, form.token, _visitor(number), "same", now=NOW)
    with pytest.raises(FormBusy):
        public_forms.submit(crew, form.token, _visitor(98), "same", now=NOW)
    public_forms.submit(crew, form.token, _visitor(97), "someone else", now=NOW)
    if allowed:
        assert public_forms.submit(crew, form.token, _visitor(99), "same", now=NOW + later).kind == "added"
    else:
        with pytest.raises(FormBusy):
            public_forms.submit(crew, form.token, _visitor(99), "same", now=NOW + later)


def test_a_form_takes_at_most_its_hourly_share_from_everyone(crew, form, monkeypatch):
    monkeypatch.setattr(public_forms, "PER_FORM", 3)
    for number in range(3):
        public_forms.submit(crew, form.token, _visitor(number), f"client-{number}", now=NOW)
    with pytest.raises(FormBusy):
        public_forms.submit(crew, form.token, _visitor(3), "client-3", now=NOW)
    assert public_forms.submit(crew, form.token, _visitor(3), "client-3", now=NOW + dt.timedelta(hours=1)).kind


def test_a_stopped_form_is_closed_and_starts_again_at_the_same_address(crew, form):
    public_forms.set_active(crew, BOSS, form.id, False)
    assert public_forms.by_token(crew, form.token) is None
    with pytest.raises(FormClosed):
        public_forms.submit(crew, form.token, VISITOR, "c", now=NOW)
    public_forms.set_active(crew, ADMIN, form.id, True)
    assert public_forms.submit(crew, form.token, VISITOR, "c", now=NOW).kind == "added"


def test_a_form_whose_publisher_left_or_lost_the_right_is_closed(crew, form):
    version = crew["users"].get(BOSS.user_id)["version"]
    apply(crew, ChangeSet("users", edits=(RowEdit(BOSS.user_id, version, {"role": "sales"}),)), actor=ADMIN)
    with pytest.raises(FormClosed):
        public_forms.submit(crew, form.token, VISITOR, "c", now=NOW)


@pytest.mark.parametrize("token", ["", "x", "../customers", "' OR 1=1 --"])
def test_an_unknown_token_finds_no_form(crew, form, token):
    assert public_forms.by_token(crew, token) is None


def test_a_salesperson_cannot_publish_stop_or_list_forms(crew, form):
    with pytest.raises(AccessDenied):
        public_forms.publish(crew, SALES, "customers", "我的表单")
    with pytest.raises(AccessDenied):
        public_forms.set_active(crew, SALES, form.id, False)
    assert public_forms.forms(crew, SALES) == [] and [f.id for f in public_forms.forms(crew, BOSS)] == [form.id]


@pytest.mark.parametrize(("table", "title", "options", "reason"), [
    ("follow_ups", "跟进", {}, "public_form.bad_table"),
    ("users", "成员", {}, "public_form.bad_table"),
    ("t99", "没有这张表", {}, "public_form.bad_table"),
    ("customers", "   ", {}, "public_form.title_required"),
    ("customers", "长" * 61, {}, "public_form.title_too_long"),
    ("customers", "官网", {"source": "tiktok"}, "public_form.bad_source"),
    ("customers", "官网", {"owner_id": 99}, "public_form.bad_owner"),
])
def test_publishing_refuses_what_a_visitor_could_not_use(crew, table, title, options, reason):
    with pytest.raises(FormError) as refused:
        public_forms.publish(crew, BOSS, table, title, **options)
    assert refused.value.reason == reason
    assert crew.execute("SELECT COUNT(*) FROM public_forms").fetchone()[0] == 0


def test_an_added_table_with_a_required_link_cannot_have_a_public_form_but_one_without_can(crew):
    referrals = tables.create_table(crew, ADMIN, "转介绍记录", template_code="referrals")
    link = next(c.name for c in fields.load_base(crew).table(referrals).columns if c.label.zh == "推荐人")
    fields.update_field(crew, ADMIN, referrals, link, required=True)
    with pytest.raises(FormError) as refused:
        public_forms.publish(crew, BOSS, referrals, "转介绍登记")
    assert refused.value.reason == "public_form.needs_link"
    contracts = tables.create_table(crew, ADMIN, "合同", template_code="contracts")
    form = public_forms.publish(crew, BOSS, contracts, "合同登记")
    table = fields.load_base(crew).table(contracts)
    assert [c.name for c in public_forms.asked(table, form)] == list(public_forms.default_fields(table))
    title = table.label_column
    outcome = public_forms.submit(crew, form.token, {title: "华东区年度合同"}, "c", now=NOW)
    assert crew[contracts].get(outcome.record_id)[title] == "华东区年度合同"


def test_a_form_never_asks_links_members_files_or_computed_fields(crew):
    form = public_forms.publish(crew, BOSS, "customers", "全部字段",
                                fields=tuple(c.name for c in fields.load_base(crew).table("customers").columns))
    asked = public_forms.asked(fields.load_base(crew).table("customers"), form)
    assert {"owner_id", "service_contact_id", "attachments", "number", "created_on", "lead_score",
            "last_follow_up_at"}.isdisjoint(c.name for c in asked)
    assert {"name", "phone", "stage"} <= {c.name for c in asked}


def test_housekeeping_forgets_old_posts_that_added_records_but_keeps_duplicates(crew, form):
    insert(crew, "customers", name="星河数据科技有限公司")
    public_forms.submit(crew, form.token, VISITOR, "a", now=NOW)
    public_forms.submit(crew, form.token, _visitor(1), "b", now=NOW)
    assert public_forms.purge_posts(crew, now=NOW + dt.timedelta(days=91)) == 1
    assert [r[0] for r in crew.execute("SELECT outcome FROM public_form_posts")] == ["duplicate"]


# Over real HTTP: the page a visitor opens, without an account.

@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_file):
    """A server on a copy of the demo base with two forms: 官网咨询 (title full of markup) and a stopped one."""
    path = Path(shutil.copy(demo_file, tmp_path_factory.mktemp("forms") / "demo.db"))
    with opened(path) as db:
        live = public_forms.publish(db, ADMIN, "customers", '官网咨询<script>alert("x")</script>', source="website")
        stopped = public_forms.publish(db, ADMIN, "customers", "旧表单")
        public_forms.set_active(db, ADMIN, stopped.id, False)
    process, url = serve(path)
    yield {"url": url, "path": path, "live": live, "stopped": stopped}
    process.terminate()
    process.wait(10)


def _customer(path: Path, name: str):
    with opened(path) as db:
        return db.execute("SELECT name, phone, source, owner_id FROM customers WHERE name = ?", [name]).fetchone()


def test_a_visitor_without_an_account_opens_the_form_and_the_page_runs_no_script(site):
    status, headers, body = fetch(site["url"] + site["live"].path)
    assert status == 200
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body and "<script" not in body
    assert "default-src 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert 'name="phone"' in body and 'name="owner_id"' not in body and 'name="source"' not in body


@pytest.mark.parametrize("which", ["stopped", "unknown"])
def test_a_stopped_or_unknown_form_says_so_and_shows_nothing(site, which):
    path = site["stopped"].path if which == "stopped" else "/f/not-a-form"
    status, _, body = fetch(site["url"] + path)
    assert status == 404 and "这个表单不存在或已停用" in body and "旧表单" not in body


def test_a_visitors_post_adds_the_customer_and_thanks_them(site):
    answers = {"name": "网页访客科技有限公司", "phone": "13912345678", "contact": "钱女士"}
    status, _, body = fetch(site["url"] + site["live"].path, form=answers, headers=origin(site["url"]))
    assert status == 200 and "谢谢" in body
    assert _customer(site["path"], "网页访客科技有限公司") == ("网页访客科技有限公司", "13912345678", "website", None)


def test_a_bad_answer_comes_back_under_its_field_with_everything_typed(site):
    answers = {"name": "另一位访客有限公司", "phone": "123", "contact": '<b>"钱"</b>'}
    status, _, body = fetch(site["url"] + site["live"].path, form=answers, headers=origin(site["url"]))
    assert status == 400
    assert "手机号" in body and 'value="另一位访客有限公司"' in body and "&lt;b&gt;&quot;钱&quot;&lt;/b&gt;" in body
    assert _customer(site["path"], "另一位访客有限公司") is None


def test_an_exact_duplicate_is_thanked_like_anyone_and_learns_nothing(site):
    with opened(site["path"]) as db:
        name = db.execute("SELECT name FROM customers WHERE owner_id IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
    status, _, body = fetch(site["url"] + site["live"].path, form={"name": name, "phone": "13700001111"},
                            headers=origin(site["url"]))
    assert status == 200 and "谢谢" in body and name not in body


@pytest.mark.parametrize(("headers", "status"), [({"Origin": "https://evil.example"}, 403), ({}, 403)])
def test_a_post_from_another_site_is_refused(site, headers, status):
    answers = {"name": "跨站提交有限公司", "phone": "13912345679"}
    assert fetch(site["url"] + site["live"].path, form=answers, headers=headers)[0] == status
    assert _customer(site["path"], "跨站提交有限公司") is None


def test_a_bot_filling_the_hidden_field_is_thanked_and_nothing_is_written(site):
    answers = {"name": "机器人有限公司", "phone": "13912345670", "homepage": "http://spam.example"}
    status, _, body = fetch(site["url"] + site["live"].path, form=answers, headers=origin(site["url"]))
    assert status == 200 and "谢谢" in body and _customer(site["path"], "机器人有限公司") is None


def test_a_post_naming_too_many_fields_is_refused_without_an_error_page(site):
    answers = {f"a{i}": "1" for i in range(web_forms.MAX_FIELDS + 1)}
    assert fetch(site["url"] + site["live"].path, form=answers, headers=origin(site["url"]))[0] == 413


def test_head_is_answered_like_get(site):
    request = urllib.request.Request(site["url"] + site["live"].path, method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("path", ["/f/x/customers", "/f/x/y", "/f/", "/f"])
def test_only_a_forms_own_address_is_open_without_a_login(site, path):
    status, headers, _ = fetch(site["url"] + path)
    assert status == 303 and headers["location"].startswith("/auth/login")


def test_a_post_too_large_is_refused_before_it_is_read_whole(site):
    answers = {"name": "大提交有限公司", "needs": "长" * 30_000}
    assert fetch(site["url"] + site["live"].path, form=answers, headers=origin(site["url"]))[0] == 413
    assert _customer(site["path"], "大提交有限公司") is None


# The 表单 page: publishing and reviewing (AppTest).

@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def test_a_manager_publishes_a_form_on_the_form_page_and_sees_its_link(base):
    app = app_for(base, "wanghaitao", page="pages/form.py")
    app.run()
    app.text_input(key="public_forms.title").input("官网咨询")
    next(b for b in app.button if b.label == "发布公开表单").click().run()
    assert not app.exception and app.success[0].value.startswith("已发布公开表单“官网咨询”")
    with opened(base) as db:
        [form] = public_forms.forms(db, ADMIN)
    assert (form.table, form.source, form.owner_id) == ("customers", "website", None)
    assert any(code.value.endswith(form.path) for code in app.code)
    next(b for b in app.button if b.label == "停用").click().run()
    with opened(base) as db:
        assert public_forms.by_token(db, form.token) is None


def test_duplicate_submissions_are_listed_for_the_manager_with_the_customer_they_match(base):
    with opened(base) as db:
        form = public_forms.publish(db, ADMIN, "customers", "官网咨询", source="website")
        name = db.execute("SELECT name FROM customers ORDER BY id LIMIT 1").fetchone()[0]
        public_forms.submit(db, form.token, {"name": name, "phone": "13700001111"}, "c")
    app = app_for(base, "wanghaitao", page="pages/form.py")
    app.run()
    frame = app.dataframe[0].value
    assert frame["重复的客户"].tolist() == [name] and frame["联系电话"].tolist() == ["13700001111"]
    assert json.loads(json.dumps(frame["来源渠道"].tolist())) == ["官网表单"]


def test_a_salesperson_sees_no_public_forms_panel(base):
    app = app_for(base, "lina", page="pages/form.py")
    app.run()
    assert not app.exception and not [e for e in app.expander if e.label == "公开表单（无需登录）"]
