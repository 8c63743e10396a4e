"""Fixtures: real SQLite files in a temporary folder, and factories for rows.

Every test that touches the base gets its own file (``base``), made the way
users make one; the demo base is built once per session for a fixed date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import strategies as st

from db.access import Actor
from db.accounts import hash_password
from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from db.demo import create_base

#: The date the tests live on: computed columns count days from it.
TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 10, 30)

#: The administrator every test base starts with (id 1), and the roles of the demo team.
ADMIN_NAME, ADMIN_PASSWORD = "admin", "admin-password-1"
ADMIN = Actor(1, "admin", "管理员")
MANAGER = Actor(2, "manager", "王海涛")  # in the demo base
LINA = Actor(3, "sales", "李娜")  # in the demo base
ZHANGWEI = Actor(4, "sales", "张伟")  # in the demo base
_ADMIN_HASH = hash_password(ADMIN_PASSWORD)

#: What a customer moved to 成交 must hold (成交金额, 成交日期, 成交关键因素), and one moved to 输单 (流失原因).
WON = {"won_amount": 120000, "won_on": "2026-11-20", "win_factors": ["fit"]}
LOST = {"loss_reason": "price"}


#: What labels and formulas treat specially: braces, backslashes, #, quotes of both widths, brackets, SQL's
#: ``;--``, operators, control characters (kept) and whitespace ones (collapsed), CJK and emoji.
_FRAGMENTS = ("{", "}", "\\", "#", '"', "'", "“", "”", "(", ")", "[", "]", "【", "】", ";--", "; DROP TABLE customers",
              "=", "&", "*", "/", "+", "-", ",", "%", "_", " ", "  ", "\t", "\n", "\r", "\x00", "\x07", "\x1b",
              "\x1f", "\x7f", "\u200b", "\u202e", "\u3000", "预算", "万元", "客户", "渠道", "🚀", "👍🏻", "A", "z",
              "1", "f1", "#name")
#: Field, table and option labels as people might type them — any text, or text made of those fragments —
#: that a label keeps (something left once spaces are collapsed, at most 60 characters): a hypothesis strategy.
#: :func:`kept_label` is the label kept.
LABELS = st.one_of(
    st.text(min_size=1, max_size=60),
    st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=12).map("".join),
).filter(lambda text: kept_label(text) != "" and len(text) <= 60)


def kept_label(text: str) -> str:
    """A label as the base keeps it: runs of spaces (and other whitespace) collapsed to one, none at the ends."""
    return " ".join(text.split())


def add_admin(path: Path) -> None:
    """Give a new base its administrator (what first start does in the browser), without the slow hash."""
    with opened(path) as db:
        db.execute("INSERT INTO users (id, username, display_name, role, password_hash) VALUES (1, ?, '管理员', "
                   "'admin', ?)", [ADMIN_NAME, _ADMIN_HASH])
        db.conn.commit()


def login_token(path: Path, username: str = "admin", password: str | None = None) -> str:
    """A session token for ``username`` on the base at ``path`` (demo members share DEMO_PASSWORD)."""
    from db.accounts import login
    from db.demo import DEMO_PASSWORD

    with opened(path) as db:
        if password is None:
            demo = db.execute("SELECT 1 FROM settings WHERE key = 'demo'").fetchone()
            password = DEMO_PASSWORD if demo else ADMIN_PASSWORD
        return login(db, username, password)


#: The customer grid's page (客户, ``/customers``); ``app_for`` opens the home page, 今日待跟进, unless told.
CUSTOMERS_PAGE = "pages/customers.py"


def app_for(path: Path, username: str = "admin", *, lang: str | None = None, page: str | None = None):
    """The app (AppTest of app.py) on the base at ``path``, logged in as ``username``, opening ``page``
    (a file under ``pages/``) or else the home page, as ``/`` does. Call ``.run()`` on the result.

    AppTest cannot send cookies: the session token goes where ``ui.session``
    looks for it besides the cookie.
    """
    from streamlit.testing.v1 import AppTest

    from ui.session import TOKEN_KEY

    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    app.session_state[TOKEN_KEY] = login_token(path, username)
    if lang:
        app.session_state["app.lang"] = lang
    if page:
        app.switch_page(page)  # before the first run AppTest knows a page by its file's name: each url_path is it
    return app


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    """A new, empty base (the CRM template) with its administrator, 管理员 (id 1)."""
    path = tmp_path / "base.db"
    create_base(path)
    add_admin(path)
    return path


@pytest.fixture
def db(base_file: Path):
    """A connection to the empty base."""
    with opened(base_file) as connection:
        yield connection


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo base for TODAY, built once (read-only by convention)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_base(path, demo=True, today=TODAY)
    return path


@pytest.fixture
def demo_db(demo_file: Path):
    """A connection to the shared demo base."""
    with opened(demo_file) as connection:
        yield connection


def insert(db, table: str, *, actor: Actor = ADMIN, now: dt.datetime = NOW, allow_similar: bool = True,
           **values) -> int:
    """Add one row through the real change-set path; return its id.

    Factories make many customers with numbered names (测试客户1, 测试客户10 …): a near duplicate is
    allowed unless a test asks otherwise (``allow_similar=False``); an exact one is still refused.
    """
    return apply(db, ChangeSet(table, inserts=(NewRow(values),)), actor=actor, now=now,
                 allow_similar=allow_similar).inserted[0]


#: The members of :func:`crew` on an empty base: two salespeople and a manager (not the demo base's ids).
SALES = Actor(2, "sales", "李娜")
OTHER = Actor(3, "sales", "张伟")
BOSS = Actor(4, "manager", "王海涛")


@pytest.fixture
def crew(db):
    """The empty base with 李娜 (2) and 张伟 (3), salespeople, and 王海涛 (4), manager."""
    for username, name, role in (("lina", "李娜", "sales"), ("zhangwei", "张伟", "sales"),
                                 ("wanghaitao", "王海涛", "manager")):
        insert(db, "users", username=username, display_name=name, role=role)
    return db


@pytest.fixture
def make_customer(db):
    """Factory: ``make_customer(name="…", **values) -> id``."""
    counter = iter(range(1, 10_000))

    def make(**values) -> int:
        values.setdefault("name", f"测试客户{next(counter)}有限公司")
        return insert(db, "customers", **values)

    return make


@pytest.fixture
def make_follow_up(db):
    """Factory: ``make_follow_up(customer_id, time="2026-11-20 10:00", **values) -> id``."""

    def make(customer_id: int, **values) -> int:
        values.setdefault("time", "2026-11-20 10:00")
        return insert(db, "follow_ups", customer_id=customer_id, **values)

    return make
