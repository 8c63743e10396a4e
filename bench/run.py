"""`make bench`: how Genjin's screens scale from 1k to 100k customers (10 follow-ups each).

Builds one base per size with ``db.demo.seed_synthetic``, times each operation
through the same functions the pages call, several runs each, and prints one
table (median, min, max, ratio to the smallest size, target at the largest).
The table also goes to ``bench/RESULTS.md`` with the date, the machine and the
command. Figures live here, never in timed unit tests.

    python -m bench.run                      # 1k, 10k, 100k; writes bench/RESULTS.md
    python -m bench.run --sizes 200 --no-browser --results /tmp/r.md
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from db import accounts, pool
from db.access import SYSTEM, Actor
from db.analysis import analyses
from db.changes import ChangeSet, NewRow, RowEdit, apply
from db.connection import BASE_ENV, connect, opened
from db.demo import seed_synthetic
from db.duplicates import KINDS, SimilarCustomers, check, scan
from db.exports import view_sheet
from db.fields import load_base
from db.kpis import Period, preset
from db.migrations import migrate
from db.queries import Filter, Query, count_rows, fetch_page, get_row
from db.worklist import worklist
from exports import to_csv, to_xlsx

#: The synthetic base's team (db.demo.DEMO_USERS): the administrator reads everything.
ADMIN = Actor(1, "admin")
SALES = Actor(3, "sales")
BENCH_PASSWORD = "bench-password"

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)
PAGE = 100

IMPORT = "import 100k customers from XLSX (read, preview, write)"

#: operation -> (target at the largest size, in ms or as a ratio; how it reads)
TARGETS: dict[str, tuple[Callable[[dict], bool], str]] = {
    "page of 100 with computed columns": (lambda r: r["median"] <= 20 and r["ratio"] <= 3, "≤ 20 ms and ≤ 3× 1k"),
    "sorted by 最近跟进时间": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "filtered 未跟进超过 30 天": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "name search": (lambda r: r["median"] <= 100, "≤ 100 ms"),
    "deep page (page 500)": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "save one cell": (lambda r: r["median"] <= 20, "≤ 20 ms"),
    "add one follow-up, read computed back": (lambda r: r["median"] <= 20, "≤ 20 ms"),
    "看板 本月: tiles and every analysis": (lambda r: r["median"] <= 1_000, "≤ 1 s"),
    "看板 近12个月: tiles and every analysis": (lambda r: r["median"] <= 3_000, "≤ 3 s"),
    "销售: 看板 本月": (lambda r: r["median"] <= 1_000, "≤ 1 s"),
    "销售: 看板 近12个月": (lambda r: r["median"] <= 3_000, "≤ 3 s"),
    "月报 workbook (last month)": (lambda r: r["median"] <= 3_000, "≤ 3 s"),
    "filtered 评分等级 A": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "销售: 今日待跟进 (own customers)": (lambda r: r["median"] <= 300, "≤ 300 ms"),
    "公海: hourly automatic return, first run": (lambda r: r["median"] <= 10_000, "≤ 10 s"),
    "公海: hourly automatic return, nothing due": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "公海: pool page of 50 with its count": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "公海: claim one customer": (lambda r: r["median"] <= 20, "≤ 20 ms"),
    "查重 check on save (a new name)": (lambda r: r["median"] <= 5, "≤ 5 ms"),
    "查重 check on save (a name among 1,000s alike)": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "add one customer (查重 included)": (lambda r: r["median"] <= 20, "≤ 20 ms"),
    "全库查重 scan": (lambda r: r["median"] <= 30_000, "≤ 30 s"),
    "销售: page of 100 (own + 公海)": (lambda r: r["median"] <= 20, "≤ 20 ms"),
    "销售: sorted by 最近跟进时间": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "销售: filtered 未跟进超过 30 天": (lambda r: r["median"] <= 50, "≤ 50 ms"),
    "customers page in Chromium, open to grid": (lambda r: r["ratio"] <= 1.5, "≤ 1.5× 1k"),
    "naive pandas ÷ ours (page of computed columns)": (lambda r: r["median"] >= 50, "≥ 50×"),
    "导出 CSV: every customer, every column": (lambda r: r["median"] <= 30_000, "≤ 30 s"),
    "导出 Excel: every customer, every column": (lambda r: r["median"] <= 120_000, "≤ 120 s"),
    IMPORT: (lambda r: r["median"] <= 60_000, "≤ 60 s"),
}


@dataclass
class Results:
    """Timings in ms per (operation, size)."""

    times: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, operation: str, size: int, samples: list[float]) -> None:
        self.times[(operation, size)] = samples


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls of ``action`` after one warm-up call."""
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def build(folder: Path, size: int) -> tuple[Path, float]:
    """A base of ``size`` customers with 10 follow-ups each; returns its path and the seconds it took."""
    path = folder / f"bench-{size}.db"
    start = time.perf_counter()
    with opened(path) as db:
        migrate(db)
        seed_synthetic(db, customers=size, today=TODAY)
        # Lead scores for three customers in four (totals 4–20), so grade filters have real work to do.
        db.execute("UPDATE customers SET score_need = 1 + id % 5, score_budget = 1 + (id / 5) % 5, "
                   "score_decision = 1 + (id / 25) % 5, score_urgency = 1 + (id / 125) % 5 WHERE id % 4 != 0")
        db.conn.commit()
    return path, time.perf_counter() - start


def page_data(db, query: Query, actor: Actor = ADMIN) -> None:
    """What the customers page reads: the count line and one page with every computed column."""
    count_rows(db, query, actor=actor, today=TODAY)
    fetch_page(db, query, actor=actor, today=TODAY)


def measure_queries(db, size: int, runs: int, results: Results) -> None:
    stale = Filter("last_follow_up_at", "older_than_days", (30,))
    queries = {
        "page of 100 with computed columns": Query("customers", page_size=PAGE),
        "sorted by 最近跟进时间": Query("customers", sort="last_follow_up_at", descending=True, page_size=PAGE),
        "filtered 未跟进超过 30 天": Query("customers", filters=(stale,), page_size=PAGE),
        "name search": Query("customers", search="瑞拓", page_size=PAGE),
        "deep page (page 500)": Query("customers", page=500, page_size=PAGE),
    }
    for name, query in queries.items():
        results.add(name, size, timed(lambda query=query: page_data(db, query), runs))
    customer = size // 2
    detail = Query("follow_ups", filters=(Filter("customer_id", "in", (customer,)),), sort="time", descending=True,
                   page_size=50)
    results.add("one customer's detail with follow-ups", size, timed(
        lambda: (get_row(db, "customers", customer, actor=ADMIN, today=TODAY), page_data(db, detail)), runs))
    measure_dashboard(db, size, runs, results)
    # A salesperson (a third of the synthetic customers are theirs): every read is scoped to them.
    scoped = {
        "销售: page of 100 (own + 公海)": queries["page of 100 with computed columns"],
        "销售: sorted by 最近跟进时间": queries["sorted by 最近跟进时间"],
        "销售: filtered 未跟进超过 30 天": queries["filtered 未跟进超过 30 天"],
        "销售: follow-ups page": Query("follow_ups", page_size=PAGE),
    }
    for name, query in scoped.items():
        results.add(name, size, timed(lambda query=query: page_data(db, query, SALES), runs))
    grade_a = Query("customers", filters=(Filter("score_grade", "in", ("A",)),), page_size=PAGE)
    results.add("filtered 评分等级 A", size, timed(lambda: page_data(db, grade_a), runs))
    results.add("销售: sorted by 下次应跟进日期", size, timed(
        lambda: page_data(db, Query("customers", sort="due_on", page_size=PAGE), SALES), runs))
    results.add("销售: 今日待跟进 (own customers)", size, timed(lambda: worklist(db, SALES, today=TODAY), runs))


def measure_dashboard(db, size: int, runs: int, results: Results) -> None:
    """看板 as the page reads it (db.analysis.analyses: the tiles and every analysis) for this month and the
    last 12 months (all ten follow-ups of every synthetic customer fall in those), and a 月报 workbook."""
    everything = Period(dt.date(2000, 1, 1), TODAY)
    month, year = (Period(*preset(name, TODAY)) for name in ("this_month", "last_12_months"))
    for actor in (ADMIN, SALES):
        for name, period in (("本月", month), ("近12个月", year)):
            operation = f"看板 {name}: tiles and every analysis" if actor is ADMIN else f"销售: 看板 {name}"
            results.add(operation, size, timed(lambda p=period, a=actor: analyses(db, p, actor=a, today=TODAY), runs))
    from ui import report  # the labels come from the UI's catalog (Chinese when no session says otherwise)

    def monthly() -> None:
        users = {row[0]: row[1] for row in db.execute("SELECT id, display_name FROM users")}
        period = report.period_of("last_month", everything, TODAY)
        report.workbook(report.build(analyses(db, period, actor=ADMIN, today=TODAY), "last_month", users))

    results.add("月报 workbook (last month)", size, timed(monthly, max(1, runs // 2)))


def measure_writes(db, size: int, runs: int, results: Results) -> None:
    rng = random.Random(size)

    def save_cell() -> None:
        customer = rng.randrange(1, size + 1)
        version = get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["version"]
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, {"contact": f"王{rng.randrange(99)}"}),)),
              actor=ADMIN)

    def add_follow_up() -> None:
        customer = rng.randrange(1, size + 1)
        apply(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": customer, "content": "基准测试"}),)),
              actor=ADMIN)
        get_row(db, "customers", customer, actor=ADMIN, today=TODAY)

    results.add("save one cell", size, timed(save_cell, runs))
    results.add("add one follow-up, read computed back", size, timed(add_follow_up, runs))


def measure_pool(db, size: int, runs: int, results: Results) -> None:
    """公海: the hourly return (the first run on a base where nobody started a clock returns every owned
    customer not followed up for 30 days; after it, the hourly run finds nothing due), the pool page, a
    salesperson's 即将掉入公海 and a claim."""
    now = dt.datetime.combine(TODAY, dt.time(10, 0))
    start = time.perf_counter()
    returned = pool.return_overdue(db, TODAY, now=now)
    results.add("公海: hourly automatic return, first run", size, [(time.perf_counter() - start) * 1000])
    results.notes.append(f"公海 at {size:,}: the first hourly run returned {len(returned):,} customers")
    results.add("公海: hourly automatic return, nothing due", size,
                timed(lambda: pool.return_overdue(db, TODAY, now=now), runs))
    results.add("公海: pool page of 50 with its count", size,
                timed(lambda: pool.pool_page(db, SALES, page_size=50, today=TODAY), runs))
    results.add("销售: 即将掉入公海 (own customers)", size, timed(lambda: pool.about_to_return(db, SALES, TODAY), runs))
    free = iter(returned)

    def claim_one() -> None:
        customer = next(free, None)
        if customer is not None:
            pool.claim(db, ADMIN, [customer], now=now)

    results.add("公海: claim one customer", size, timed(claim_one, runs))


#: Characters for names of their own (none is in the synthetic base's vocabulary of cities, brands and trades).
_CHARACTERS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥鹤松竹梅兰菊桂枫柏杉"


def measure_duplicates(db, size: int, runs: int, results: Results) -> None:
    """查重: the check a save makes (exact keys, then near names through the pair index) and the whole-base scan.

    The synthetic names are ``<city><brand><industry>有限公司<n>``: each is ≥ 85% like the thousands that share
    its first part, the worst case for the check; a name of its own is the usual case.
    """
    rng = random.Random(size + 1)

    def checked(customer: int) -> None:
        with contextlib.suppress(SimilarCustomers):  # what a save does with it: warn, write nothing
            check(db, ADMIN, [(None, customer, set(KINDS))], {customer: {}}, {}, threshold=0.85, allow_similar=False)

    def add_customer() -> None:  # a name of its own, as a salesperson types it: the whole check, near names too
        name = "".join(rng.sample(_CHARACTERS, 4)) + "科技有限公司"
        values = {"name": name, "phone": f"199{rng.randrange(10**8):08d}"}
        with contextlib.suppress(SimilarCustomers):  # then nothing is written, as in the grid
            apply(db, ChangeSet("customers", inserts=(NewRow(values),)), actor=ADMIN)

    results.add("add one customer (查重 included)", size, timed(add_customer, runs))
    newest = db.execute("SELECT MAX(id) FROM customers").fetchone()[0]
    results.add("查重 check on save (a new name)", size, timed(lambda: checked(newest), runs))
    results.add("查重 check on save (a name among 1,000s alike)", size,
                timed(lambda: checked(rng.randrange(1, size + 1)), runs))
    results.add("全库查重 scan", size, timed(lambda: scan(db, ADMIN, threshold=0.85), max(1, runs // 4)))


def measure_exports(db, size: int, runs: int, results: Results) -> None:
    """导出 of the whole customers grid (all rows, every column shown by default), as the buttons make it:
    read in batches in the grid's order and written as CSV and as XLSX. Few runs: these take seconds."""
    customers = load_base(db).table("customers")
    columns = [c.name for c in customers.columns if not c.hidden]

    def export(write: Callable) -> None:
        write(view_sheet(db, Query("customers"), columns, actor=ADMIN, lang="zh", today=TODAY))

    few = max(1, runs // 4)
    results.add("导出 CSV: every customer, every column", size, timed(lambda: export(to_csv), few))
    results.add("导出 Excel: every customer, every column", size, timed(lambda: export(lambda s: to_xlsx([s])), few))
def import_workbook(size: int) -> bytes:
    """An XLSX of ``size`` new customers as a team sends one: a title row, then ten columns in people's words
    (等级 as A级, amounts in 万, dates as dates), written with openpyxl's write-only mode."""
    import io

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["2026年展会客户名单"])
    sheet.append(["公司名称", "手机", "行业", "城市", "联系人", "邮箱", "等级", "预计成交金额", "预计成交日期", "备注"])
    industries = ("制造业", "零售", "IT/互联网", "金融", "物流")
    cities = ("上海", "北京", "杭州", "深圳", "成都", "武汉")
    for index in range(size):
        city = cities[index % len(cities)]
        sheet.append([f"{city}导入测试{index}商贸有限公司", f"17{index:09d}", industries[index % len(industries)], city,
                      "王经理", f"buyer{index}@example.cn", "ABC"[index % 3] + "级", f"{index % 90 + 10}万",
                      dt.date(2027, 1, 1) + dt.timedelta(days=index % 300), "展会名单"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure_import(path: Path, size: int, results: Results) -> None:
    """导入 as the page does it, once (it writes): read the workbook, map it, normalize every cell, plan the
    preview (查重 against the base's ``size`` customers included), then run it (snapshot, one change)."""
    from db.imports import plan, run
    from imports import normalize, read, suggest
    from schema.crm import CUSTOMERS

    data = import_workbook(size)
    start = time.perf_counter()
    raw = read(data, "客户.xlsx", table=CUSTOMERS)
    mapping = [(index, CUSTOMERS.column(name)) for index, name in enumerate(suggest(raw.headers, CUSTOMERS)) if name]
    rows = [(number, {column.name: normalize(cells[index], column) for index, column in mapping})
            for number, cells in zip(raw.row_numbers, raw.rows, strict=True)]
    with opened(path) as db:
        found = plan(db, "customers", rows, actor=ADMIN)
        record = run(db, found, {}, actor=ADMIN, file_name="客户.xlsx", base_path=path)
    results.add(IMPORT, size, [(time.perf_counter() - start) * 1000])
    results.notes.append(f"import at {size:,}: {record.added:,} added, {record.skipped:,} skipped, "
                         f"{len(found.problems):,} problems")


def naive_page(db) -> pd.DataFrame:
    """What a quick prototype does: both tables into pandas, group, merge, sort, take a page."""
    customers = pd.DataFrame(list(db["customers"].rows))
    follow_ups = pd.DataFrame(list(db["follow_ups"].rows))
    grouped = follow_ups.sort_values("time").groupby("customer_id").agg(
        last_follow_up_at=("time", "max"), follow_up_count=("id", "count"), last_method=("method", "last"),
        last_content=("content", "last"))
    merged = customers.drop(columns=["last_follow_up_at", "follow_up_count"]).merge(
        grouped, left_on="id", right_index=True, how="left")
    return merged.sort_values("id", ascending=False).head(PAGE)


def measure_naive(db, size: int, runs: int, results: Results) -> None:
    results.add("naive pandas: page of computed columns", size, timed(lambda: naive_page(db), max(2, runs // 3)))


def login_token(path: Path) -> str:
    """A session of the base's administrator (given a password first if the base has none)."""
    with opened(path) as db:
        if db.execute("SELECT password_hash FROM users WHERE id = 1").fetchone()[0] is None:
            accounts.set_password(db, SYSTEM, 1, BENCH_PASSWORD)
        return accounts.login(db, "admin", BENCH_PASSWORD)


def measure_apptest(path: Path, size: int, runs: int, results: Results) -> None:
    from streamlit.testing.v1 import AppTest

    from ui.session import TOKEN_KEY

    os.environ[BASE_ENV] = str(path)

    token = login_token(path)

    def run_page(page: str) -> None:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.session_state[TOKEN_KEY] = token
        app.switch_page(page).run()  # AppTest names a page by its file; / is 今日待跟进 now
        assert not app.exception, [e.value for e in app.exception]

    results.add("customers page script (AppTest)", size, timed(lambda: run_page("pages/customers.py"),
                                                              max(3, runs // 2)))
    results.add("follow-ups page script (AppTest)", size, timed(lambda: run_page("pages/follow_ups.py"),
                                                               max(3, runs // 2)))


def measure_browser(path: Path, size: int, runs: int, results: Results, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, free_port, wait_for_server

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=os.environ | {BASE_ENV: str(path)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = wait_for_server(port, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

            def open_page() -> None:
                context = browser.new_context(viewport={"width": 1500, "height": 1000})
                context.add_cookies([{"name": accounts.SESSION_COOKIE, "value": login_token(path), "url": url}])
                page = context.new_page()
                page.goto(url + "/customers")  # / is 今日待跟进
                page.wait_for_selector("[data-testid='stDataFrame'] canvas", timeout=60_000)
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
                context.close()

            results.add("customers page in Chromium, open to grid", size, timed(open_page, max(3, runs // 2)))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


def table(results: Results, sizes: list[int]) -> list[dict]:
    """One row per (operation, size) with median, min, max and the ratio to the smallest size."""
    rows = []
    operations = list(dict.fromkeys(operation for operation, _ in results.times))
    for operation in operations:
        for size in sizes:
            samples = results.times.get((operation, size))
            if not samples:
                continue
            base = statistics.median(results.times.get((operation, sizes[0]), samples))
            median = statistics.median(samples)
            rows.append({"operation": operation, "size": size, "median": median, "min": min(samples),
                         "max": max(samples), "ratio": median / base if base else float("nan")})
    largest = sizes[-1]
    ours = results.times.get(("page of 100 with computed columns", largest))
    naive = results.times.get(("naive pandas: page of computed columns", largest))
    if ours and naive:
        ratio = statistics.median(naive) / statistics.median(ours)
        rows.append({"operation": "naive pandas ÷ ours (page of computed columns)", "size": largest,
                     "median": ratio, "min": ratio, "max": ratio, "ratio": float("nan")})
    for row in rows:
        check = TARGETS.get(row["operation"])
        row["target"] = "" if not check or row["size"] != largest else (
            f"{check[1]} {'✓' if check[0](row) else '✗'}")
    return rows


def render(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = ["| operation | customers | median | min | max | × 1k | target at the largest size |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        unit = "×" if row["operation"].startswith("naive pandas ÷") else " ms"
        ratio = "" if row["ratio"] != row["ratio"] else f"{row['ratio']:.2f}"
        lines.append(f"| {row['operation']} | {row['size']:,} | {row['median']:.2f}{unit} | {row['min']:.2f}{unit} "
                     f"| {row['max']:.2f}{unit} | {ratio} | {row['target']} |")
    return "\n".join(lines)


def machine() -> str:
    """Cores, Python and SQLite versions of this machine."""
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.machine()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per operation (after one warm-up)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    browser = not args.no_browser and Path(chromium).exists()
    results = Results()
    folder = Path(tempfile.mkdtemp(prefix="genjin-bench-"))
    try:
        for size in args.sizes:
            path, seconds = build(folder, size)
            results.notes.append(f"built {size:,} customers / {10 * size:,} follow-ups in {seconds:.1f} s")
            print(results.notes[-1], flush=True)
            db = connect(path)
            try:
                measure_queries(db, size, args.runs, results)
                measure_naive(db, size, args.runs, results)
                measure_writes(db, size, args.runs, results)
                measure_pool(db, size, args.runs, results)


                measure_duplicates(db, size, args.runs, results)
                measure_exports(db, size, args.runs, results)
            finally:
                db.close()
            measure_import(path, size, results)  # last: it adds ``size`` customers to the base
            measure_apptest(path, size, args.runs, results)
            if browser:
                measure_browser(path, size, args.runs, results, chromium)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not browser:
        results.notes.append(f"Chromium measurement skipped (no browser at {chromium} or --no-browser)")
    text = render(table(results, args.sizes))
    print(text)
    command = "make bench" if argv is None and sys.argv[1:] == [] else "python -m bench.run " + " ".join(
        sys.argv[1:] if argv is None else argv)
    args.results.write_text(
        f"# Benchmark results\n\n{dt.date.today().isoformat()} · {machine()} · `{command}`\n\n"
        + "\n".join(f"- {note}" for note in results.notes) + "\n\n" + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
