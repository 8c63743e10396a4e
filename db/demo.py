"""Creating a base: the empty CRM template, or the demo base with a sales team's year.

The demo data is deterministic for a given ``today`` (one seeded random
generator, no clock reads): the same date gives the same base, byte for byte
in content. Rows are written with ``executemany`` in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path

import sqlite_utils

from db.accounts import hash_password
from db.changes import bulk_load
from db.connection import connect, write_transaction
from db.migrations import migrate
from db.pool import start_clocks
from schema.crm import TAGS

SEED = 20261122

#: Every demo member's password. Demo only: a real base gets its administrator at first start.
DEMO_PASSWORD = "genjin-demo"

DEMO_USERS = (
    # username, display name, role
    ("admin", "系统管理员", "admin"),
    ("wanghaitao", "王海涛", "manager"),
    ("lina", "李娜", "sales"),
    ("zhangwei", "张伟", "sales"),
)

_CITIES = (
    ("上海市", "021", ("浦东新区张江路", "徐汇区漕河泾开发区", "闵行区莘庄工业区", "静安区南京西路")),
    ("北京市", "010", ("海淀区中关村大街", "朝阳区望京SOHO", "大兴区亦庄经济开发区")),
    ("深圳市", "0755", ("南山区科技园", "宝安区西乡街道", "龙岗区坂田街道")),
    ("广州市", "020", ("天河区珠江新城", "黄埔区科学城", "番禺区大石街道")),
    ("杭州市", "0571", ("滨江区网商路", "余杭区未来科技城", "萧山区经济开发区")),
    ("苏州市", "0512", ("工业园区星湖街", "高新区狮山路", "昆山市开发区")),
    ("南京市", "025", ("江宁区开发区", "鼓楼区中山北路", "建邺区江东中路")),
    ("成都市", "028", ("高新区天府大道", "武侯区人民南路", "双流区航空港")),
    ("武汉市", "027", ("东湖高新区光谷大道", "江汉区解放大道")),
    ("西安市", "029", ("高新区锦业路", "雁塔区小寨路")),
    ("重庆市", "023", ("渝北区金开大道", "九龙坡区科园路")),
    ("天津市", "022", ("滨海新区泰达大街", "南开区鞍山西道")),
    ("宁波市", "0574", ("鄞州区天童南路", "北仑区新矸街道")),
    ("青岛市", "0532", ("崂山区海尔路", "黄岛区长江中路")),
    ("厦门市", "0592", ("思明区软件园二期", "湖里区火炬高新区")),
    ("长沙市", "0731", ("岳麓区麓谷大道", "雨花区劳动东路")),
)
_BRANDS = (
    ("瑞拓", "ruituo"), ("恒达", "hengda"), ("华信", "huaxin"), ("博远", "boyuan"), ("启明", "qiming"),
    ("中研", "zhongyan"), ("鼎盛", "dingsheng"), ("宏图", "hongtu"), ("安泰", "antai"), ("锦程", "jincheng"),
    ("新科", "xinke"), ("联创", "lianchuang"), ("金石", "jinshi"), ("海纳", "haina"), ("天衡", "tianheng"),
    ("远航", "yuanhang"), ("卓越", "zhuoyue"), ("普惠", "puhui"), ("致远", "zhiyuan"), ("嘉禾", "jiahe"),
    ("云帆", "yunfan"), ("九州", "jiuzhou"), ("明德", "mingde"), ("睿智", "ruizhi"), ("盛世", "shengshi"),
    ("同创", "tongchuang"), ("东方", "dongfang"), ("长城", "changcheng"), ("百川", "baichuan"), ("星河", "xinghe"),
)
_INDUSTRY_WORDS = {
    "manufacturing": ("精密机械", "智能装备", "新材料", "汽车零部件", "电子元件"),
    "retail": ("商贸", "连锁超市", "百货", "电器销售"),
    "it": ("信息技术", "软件", "网络科技", "数据科技"),
    "finance": ("融资租赁", "投资管理", "保险代理"),
    "education": ("教育科技", "职业培训", "文化教育"),
    "healthcare": ("医疗器械", "生物科技", "健康管理", "医药"),
    "logistics": ("物流", "供应链管理", "国际货运"),
    "construction": ("建设工程", "置业", "装饰工程"),
    "hospitality": ("餐饮管理", "酒店管理"),
    "other": ("文化传媒", "咨询服务", "广告"),
}
_NEEDS = {
    "manufacturing": ("提升生产效率的自动化设备", "车间设备联网与数据采集", "质量追溯系统", "采购办公设备"),
    "retail": ("门店收银系统升级", "会员管理与营销工具", "寻求物流合作"),
    "it": ("寻求软件合作", "项目管理协作平台", "云服务器与运维外包"),
    "finance": ("客户管理系统", "合规培训服务", "办公设备租赁"),
    "education": ("在线课程平台", "教务管理系统", "校区监控安防"),
    "healthcare": ("医疗设备维保服务", "库存与冷链管理", "预约挂号系统"),
    "logistics": ("仓储管理系统", "车辆调度与定位", "寻求物流合作"),
    "construction": ("工地安全监控", "项目成本管理软件", "建材集中采购"),
    "hospitality": ("点餐收银系统", "酒店客房管理系统", "食材供应链合作"),
    "other": ("品牌推广方案", "办公设备采购", "员工培训服务"),
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
          "秀英", "华", "慧", "建华", "志强", "晓东", "海燕", "雪梅", "文博", "子涵", "浩然", "思远", "欣怡")
_TITLES = ("采购经理", "总经理", "技术总监", "IT主管", "财务总监", "行政主管", "运营经理", "项目经理",
           "采购专员", "副总经理")
_BUDGETS = ("5万元以内", "5-10万元", "10-20万元", "20-50万元", "50-80万元", "80-100万元", "100万元以上", "待确认")
_CONTENT = {
    "phone": ("电话沟通产品报价，客户关注性价比", "电话确认需求细节和采购数量", "电话回访方案意见",
              "电话了解预算审批进度"),
    "visit": ("上门拜访，演示设备运行效果", "拜访采购负责人，介绍成功案例", "现场调研生产线，收集技术参数"),
    "meeting": ("线上会议演示系统功能", "线上会议与技术团队对接接口方案", "线上会议讲解报价构成"),
    "email": ("发送产品手册和成功案例", "邮件发送正式报价单", "邮件发送合同草稿"),
    "wechat": ("微信跟进方案反馈", "微信发送产品演示视频", "微信确认下次拜访时间"),
}
_FEEDBACK = ("对价格敏感", "需要对比竞品", "决策周期约1个月", "担心售后响应速度", "希望增加定制模块",
             "客户对功能关注，需补充技术参数", "预算需上级审批", "认可方案，等待内部评审")
_SOLUTIONS = ("已提供售后承诺函", "给出阶梯报价", "安排技术人员答疑", "补充技术参数文档", "提供同行业成功案例")
_NEXT_ACTIONS = ("3天后再次确认意向", "准备正式报价单", "安排现场演示", "发送合同草稿", "约见决策人",
                 "跟进预算审批结果")
_STAGE_WEIGHTS = (("lead", 30), ("intent", 22), ("proposal", 15), ("negotiation", 10), ("won", 13), ("lost", 10))
_NOTES = (None, None, "客户关注性价比", "决策人为总经理", "需要开具增值税专用发票", "年底前有采购计划")
_TAG_CODES = tuple(option.code for option in TAGS)
_CADENCE_DAYS = {"A": 7, "B": 14, "C": 30}


def create_base(path: str | Path, *, demo: bool = False, today: dt.date | None = None,
                customers: int = 360, follow_ups: int = 2600) -> None:
    """Create the base at ``path``: the CRM template, then demo rows if ``demo``.

    An empty base has no members: its first start in the browser asks for the
    administrator. Raises FileExistsError if ``path`` already exists.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        migrate(db)
        if demo:
            seed_demo(db, today=today or dt.date.today(), customers=customers, follow_ups=follow_ups)
    finally:
        db.close()


def prepare_base(path: str | Path) -> None:
    """Make the base at ``path`` ready to serve: create an empty one if there is none, else migrate it."""
    if not Path(path).exists():
        try:
            create_base(path)
            return
        except FileExistsError:  # another process made it meanwhile
            pass
    db = connect(path)
    try:
        migrate(db)
    finally:
        db.close()


def seed_demo(db: sqlite_utils.Database, *, today: dt.date, customers: int = 360, follow_ups: int = 2600) -> None:
    """Fill a migrated, empty base with the demo team, customers and follow-ups."""
    rng = random.Random(SEED)
    stamp = f"{today.isoformat()} 09:00:00"
    password = hash_password(DEMO_PASSWORD)
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO users (id, username, display_name, role, updated_at, password_hash) VALUES (?, ?, ?, ?, ?, ?)",
            [(i + 1, u, name, role, stamp, password) for i, (u, name, role) in enumerate(DEMO_USERS)],
        )
        db.execute("INSERT INTO settings (key, value) VALUES ('demo', '1')")
        owners = [i + 1 for i, user in enumerate(DEMO_USERS) if user[2] != "admin"]
        people = _customers(rng, today, customers, owners)
        # Stage changes first: inserting a customer then records nothing more (its stage is the last recorded).
        changes = _deals(random.Random(SEED + 6), today, people)
        db.conn.executemany("INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by) "
                            "VALUES (?, ?, ?, ?, ?)", changes)
        db.conn.executemany(_insert_sql("customers", people[0]), [tuple(p.values()) for p in people])
        _record_sequences(db, people)
        records = _follow_ups(rng, today, people, follow_ups)
        db.conn.executemany(_insert_sql("follow_ups", records[0]), [tuple(r.values()) for r in records])
        start_clocks(db, dt.datetime.fromisoformat(stamp))  # the 公海 rule starts with the demo's day


def _insert_sql(table: str, row: dict) -> str:
    names = ", ".join(f'"{name}"' for name in row)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in row)})'


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _company(rng: random.Random, used: set[str]) -> tuple[str, str, str, str, tuple]:
    while True:
        industry = rng.choice(tuple(_INDUSTRY_WORDS))
        city = rng.choice(_CITIES)
        brand, pinyin = rng.choice(_BRANDS)
        scale = _pick(rng, (("large", 25), ("sme", 60), ("individual", 15)))
        suffix = {"large": rng.choice(("集团有限公司", "股份有限公司")), "sme": "有限公司",
                  "individual": rng.choice(("商行", "工作室", "经营部"))}[scale]
        name = f"{city[0][:-1]}{brand}{rng.choice(_INDUSTRY_WORDS[industry])}{suffix}"
        if name not in used:
            used.add(name)
            return name, industry, scale, pinyin, city


def _mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "136", "135", "150", "152", "158", "186", "187", "177", "199")) + \
        f"{rng.randrange(10**8):08d}"


def _customers(rng: random.Random, today: dt.date, count: int, owners: list[int]) -> list[dict]:
    used: set[str] = set()
    rows = []
    for index in range(count):
        name, industry, scale, pinyin, (city, area, streets) = _company(rng, used)
        stage = _pick(rng, _STAGE_WEIGHTS)
        grade = _pick(rng, (("A", 45), ("B", 40), ("C", 15)) if stage in ("negotiation", "won")
                      else (("A", 15), ("B", 45), ("C", 40)))
        # Most customers are recent; the first dozen are spread one per month so the
        # base covers a whole year. Created yesterday at the latest.
        age_days = 30 * index + rng.randrange(5, 30) if index < 12 else int(rng.triangular(1, 365, 120))
        created = today - dt.timedelta(days=age_days)
        contact = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        phone = _mobile(rng) if rng.random() < 0.8 else f"{area}-{rng.randrange(10**7, 10**8)}"
        picked = set(rng.sample(_TAG_CODES, rng.choice((0, 1, 1, 2, 3))))
        tags = [code for code in _TAG_CODES if code in picked]  # stored in option order
        rows.append({
            "number": None,
            "name": name,
            "industry": industry,
            "region": city,
            "address": f"{city}{rng.choice(streets)}{rng.randrange(1, 999)}号",
            "contact": contact,
            "contact_title": rng.choice(_TITLES),
            "phone": phone,
            "email": f"{rng.choice(('sales', 'info', 'contact', 'purchase', 'hr'))}@{pinyin}{rng.randrange(10, 99)}.com"
            if rng.random() < 0.7 else None,
            "source": _pick(rng, (("expo", 20), ("website", 25), ("referral", 18), ("phone", 15),
                                  ("online", 17), ("other", 5))),
            "scale": scale,
            "urgency": _pick(rng, (("high", 25), ("medium", 45), ("low", 30))),
            "grade": grade,
            "stage": stage,
            "tags": json.dumps(tags, ensure_ascii=False) if tags else None,
            "needs": rng.choice(_NEEDS[industry]),
            "budget": rng.choice(_BUDGETS),
            "owner_id": rng.choice(owners) if rng.random() < 0.93 else None,
            "created_on": created.isoformat(),
            "notes": rng.choice(_NOTES),
            "updated_at": f"{created.isoformat()} 10:00:00",
        })
    # Numbers follow the order of creation within each month: 202611001, 202611002, …
    rows.sort(key=lambda r: r["created_on"])
    _score(rows)
    per_month: dict[str, int] = defaultdict(int)
    for row in rows:
        month = row["created_on"][:7].replace("-", "")
        per_month[month] += 1
        row["number"] = f"{month}{per_month[month]:03d}"
    return rows


def _score(rows: list[dict]) -> None:
    """Lead scores (seed 000) for three customers in four, near their 潜力等级; a generator of its own, so
    the rest of the demo base stays as it was."""
    rng = random.Random(20261122)
    for row in rows:
        scored = rng.random() < 0.75
        middle = {"A": 4, "B": 3, "C": 2}.get(row["grade"], 3)
        for name in ("score_need", "score_budget", "score_decision", "score_urgency"):
            row[name] = max(1, min(5, middle + rng.choice((-1, 0, 0, 1)))) if scored else None


#: Budget texts (``_BUDGETS``) as ranges in yuan, for an expected amount that agrees with them.
_BUDGET_RANGES = {"5万元以内": (10_000, 50_000), "5-10万元": (50_000, 100_000), "10-20万元": (100_000, 200_000),
                  "20-50万元": (200_000, 500_000), "50-80万元": (500_000, 800_000), "80-100万元": (800_000, 1_000_000),
                  "100万元以上": (1_000_000, 3_000_000), "待确认": (30_000, 300_000)}
_OPEN = ("lead", "intent", "proposal", "negotiation")
_COMPETITORS = ("恒信科技", "诚达软件", "立方系统", "汇通智能", "新锐数科", "博林信息", "本地小厂商")
_WIN_FACTORS = (("price", 30), ("service", 25), ("fit", 35), ("brand", 15), ("relationship", 20), ("other", 5))
_LOSS_REASONS = (("price", 30), ("competitor", 25), ("needs_changed", 12), ("budget_cut", 12),
                 ("decision_maker", 8), ("slow_follow_up", 8), ("other", 5))
#: Whole days before today a deal needs to be expected to close, by stage (a later stage closes sooner).
_CLOSE_WITHIN = {"lead": (30, 180), "intent": (20, 120), "proposal": (10, 90), "negotiation": (3, 45)}


def _deals(rng: random.Random, today: dt.date, rows: list[dict]) -> list[tuple]:
    """Fill each demo customer's deal fields, and return its stage changes (lead → … → its stage) as rows
    of ``stage_changes`` for customer ids 1, 2, … in the order of ``rows``.

    Consistent with the rules: a won customer has 成交金额, 成交日期 (the day it was won) and at least
    one 成交关键因素; a lost one a 流失原因; the changes run from the day it was created to before today.
    A generator of its own, so that the rest of the demo stays as it was.
    """
    changes = []
    for customer_id, row in enumerate(rows, start=1):
        stage = row["stage"]
        if stage in _OPEN:
            path = list(_OPEN[:_OPEN.index(stage) + 1])
        elif stage == "won":
            path = [*_OPEN, "won"]
        else:  # lost somewhere along the way, most often after a proposal
            path = [*_OPEN[:int(_pick(rng, (("1", 2), ("2", 3), ("3", 4), ("4", 3))))], "lost"]
        created = dt.datetime.fromisoformat(f"{row['created_on']} 10:00:00")
        # Each later stage on a day from creation to yesterday, an hour after the one before on the same day.
        days = sorted(rng.choices(range((today - created.date()).days), k=len(path) - 1))
        times = [created] + [created + dt.timedelta(days=day, hours=1 + i, minutes=rng.randrange(0, 60, 5))
                             for i, day in enumerate(days)]
        by = row["owner_id"] or 2
        for index, (to_stage, time) in enumerate(zip(path, times, strict=True)):
            changes.append((customer_id, path[index - 1] if index else None, to_stage,
                            time.strftime("%Y-%m-%d %H:%M:%S"), None if index == 0 else by))
        decided = times[-1]
        low, high = _BUDGET_RANGES.get(row["budget"], (30_000, 300_000))
        amount = round(rng.uniform(low, high), -3)
        keen = stage != "lead" or rng.random() < 0.3
        row["updated_at"] = max(row["updated_at"], decided.strftime("%Y-%m-%d %H:%M:%S"))
        row["expected_amount"] = amount if keen else None
        if stage in _OPEN:
            soonest, latest = _CLOSE_WITHIN[stage]
            row["expected_on"] = (today + dt.timedelta(days=rng.randrange(soonest, latest))).isoformat() if keen \
                else None
            usual = {"lead": 10, "intent": 25, "proposal": 50, "negotiation": 75}[stage]  # the rules' defaults
            row["win_rate"] = None if rng.random() < 0.7 else min(95, max(5, usual + 5 * rng.randrange(-3, 4)))
        else:
            row["expected_on"] = (decided.date() - dt.timedelta(days=rng.randrange(0, 20))).isoformat()
            row["win_rate"] = None
        later = stage in ("proposal", "negotiation", "won", "lost")
        rivals = rng.sample(_COMPETITORS, rng.choice((1, 1, 2))) if later and rng.random() < 0.5 else []
        row["competitors"] = "、".join(rivals) or None
        row["won_amount"] = round(amount * rng.uniform(0.85, 1.02), -2) if stage == "won" else None
        row["won_on"] = decided.date().isoformat() if stage == "won" else None
        factors = {_pick(rng, _WIN_FACTORS) for _ in range(rng.choice((1, 2, 2, 3)))} if stage == "won" else set()
        row["win_factors"] = json.dumps([code for code, _ in _WIN_FACTORS if code in factors]) if factors else None
        reason = _pick(rng, _LOSS_REASONS) if stage == "lost" else None
        row["loss_reason"] = reason
        if reason == "competitor" and not rivals:
            row["competitors"] = rng.choice(_COMPETITORS)
    return changes


def _record_sequences(db: sqlite_utils.Database, rows: list[dict]) -> None:
    latest: dict[str, int] = {}
    for row in rows:
        month, sequence = row["number"][:6], int(row["number"][6:])
        latest[month] = max(latest.get(month, 0), sequence)
    db.conn.executemany(
        "INSERT INTO sequences (name, value) VALUES (?, ?)",
        [(f"customers.number.{month}", value) for month, value in latest.items()],
    )


def _follow_ups(rng: random.Random, today: dt.date, customers: list[dict], total: int) -> list[dict]:
    ids = list(range(1, len(customers) + 1))  # customers were inserted in this order
    weights = [{"lead": 1, "intent": 3, "proposal": 5, "negotiation": 7, "won": 8, "lost": 4}[c["stage"]]
               for c in customers]
    # About one customer in twelve (fresh leads mostly) has never been followed up.
    never = {i for i, c in zip(ids, customers, strict=True) if c["stage"] == "lead" and rng.random() < 0.3}
    counts: dict[int, int] = defaultdict(int)
    candidates = [(i, w) for i, w in zip(ids, weights, strict=True) if i not in never]
    for customer_id in rng.choices([i for i, _ in candidates], weights=[w for _, w in candidates], k=total):
        counts[customer_id] += 1
    rows = []
    for customer_id in sorted(counts):
        customer = customers[customer_id - 1]
        created = dt.date.fromisoformat(customer["created_on"])
        span = (today - created).days  # follow-ups happened before today
        times = sorted(
            dt.datetime.combine(created + dt.timedelta(days=rng.randrange(span)),
                                dt.time(rng.randrange(9, 19), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))))
            for _ in range(counts[customer_id])
        )
        for index, time in enumerate(times):
            latest = index == len(times) - 1
            method = _pick(rng, (("phone", 35), ("wechat", 25), ("visit", 15), ("meeting", 15), ("email", 10)))
            gap = _CADENCE_DAYS[customer["grade"]] + rng.randrange(-2, 4)
            planned = time.date() + dt.timedelta(days=gap)
            closed = customer["stage"] in ("won", "lost")
            rows.append({
                "customer_id": customer_id,
                "time": time.strftime("%Y-%m-%d %H:%M"),
                "method": method,
                "content": rng.choice(_CONTENT[method]),
                "feedback": rng.choice(_FEEDBACK),
                "solution": rng.choice(_SOLUTIONS) if rng.random() < 0.6 else None,
                "next_action": None if latest and closed else rng.choice(_NEXT_ACTIONS),
                "next_follow_up_on": None if latest and closed else planned.isoformat(),
                "person_id": customer["owner_id"] or 2,
                "status": "done" if not latest else rng.choice(("proposal_sent", "awaiting_feedback",
                                                                "visit_scheduled", "done")),
                "updated_at": time.strftime("%Y-%m-%d %H:%M:00"),
            })
    return rows



def seed_synthetic(db: sqlite_utils.Database, *, customers: int, follow_ups_per_customer: int = 10,
                   today: dt.date, seed: int = SEED) -> None:
    """Fill a migrated, empty base fast with ``customers`` customers and as many follow-ups each.

    For the benchmark: plausible values drawn from the demo's vocabularies with
    one seeded generator and a few lookups per row, written with ``executemany``
    in one transaction (100k customers and 1M follow-ups in seconds).
    """
    rng = random.Random(seed)
    stages = [code for code, weight in _STAGE_WEIGHTS for _ in range(weight)]
    industries = tuple(_INDUSTRY_WORDS)
    owners = [i + 1 for i, user in enumerate(DEMO_USERS) if user[2] != "admin"]
    stamp = f"{today.isoformat()} 09:00:00"
    rows, per_month = [], defaultdict(int)
    for index in range(customers):
        city, _, streets = _CITIES[index % len(_CITIES)]
        brand = _BRANDS[rng.randrange(len(_BRANDS))][0]
        industry = industries[index % len(industries)]
        created = today - dt.timedelta(days=1 + rng.randrange(365))
        month = created.strftime("%Y%m")
        per_month[month] += 1
        rows.append((
            f"{month}{per_month[month]:03d}", f"{city[:-1]}{brand}{_INDUSTRY_WORDS[industry][0]}有限公司{index}",
            industry, city, f"{city}{streets[0]}{index % 999 + 1}号", _SURNAMES[index % 25] + _GIVEN[index % 30],
            _TITLES[index % 10], f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}",
            stages[rng.randrange(len(stages))], "ABC"[rng.randrange(3)], ("large", "sme", "individual")[index % 3],
            ("expo", "website", "referral", "phone", "online", "other")[index % 6], owners[index % len(owners)],
            created.isoformat(), stamp,
        ))
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO users (id, username, display_name, role, updated_at) VALUES (?, ?, ?, ?, ?)",
            [(i + 1, u, name, role, stamp) for i, (u, name, role) in enumerate(DEMO_USERS)],
        )
        with bulk_load(db, "customers"):  # stages and 查重 keys in one statement each, not a trigger per row
            db.conn.executemany(
                "INSERT INTO customers (number, name, industry, region, address, contact, contact_title, phone, "
                "stage, grade, scale, source, owner_id, created_on, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        db.conn.executemany("INSERT INTO sequences (name, value) VALUES (?, ?)",
                            [(f"customers.number.{month}", count) for month, count in per_month.items()])
        methods = tuple(_CONTENT)
        with bulk_load(db, "follow_ups"):
            db.conn.executemany(
                "INSERT INTO follow_ups (customer_id, time, method, content, next_follow_up_on, person_id, status, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _synthetic_follow_ups(rng, today, customers, follow_ups_per_customer, methods, owners, stamp),
            )


def _synthetic_follow_ups(rng, today, customers, per_customer, methods, owners, stamp):
    """Rows for ``seed_synthetic``, generated lazily so a million never sit in memory at once."""
    base = dt.datetime.combine(today, dt.time(9)) - dt.timedelta(days=365)
    for customer_id in range(1, customers + 1):
        for _ in range(per_customer):
            minutes = rng.randrange(365 * 24 * 60)
            time = base + dt.timedelta(minutes=minutes)
            method = methods[minutes % len(methods)]
            yield (customer_id, time.strftime("%Y-%m-%d %H:%M"), method, _CONTENT[method][0],
                   (time.date() + dt.timedelta(days=7 + minutes % 21)).isoformat(), owners[customer_id % len(owners)],
                   "done", stamp)
