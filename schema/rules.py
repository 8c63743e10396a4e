"""The numbers behind the sales discipline (seeds 000, 001, 003), declared once.

Every rule a team may tune — the lead-score cuts, the follow-up cadence per
grade, the 公海 pool's days and limits, the default win rate per stage, the
tier cuts, when a customer is at risk — is a :class:`Rule` here with its
label, unit, bounds and default. The 规则 page, the checks on a change, the
README's table and the rules' readers (``db.settings.rules``) all derive
from this tuple; a base keeps only the values a team changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from schema.labels import L, Label
from schema.model import Base
from schema.types import (
    ChurnRisk,
    DueOn,
    InvalidValue,
    Lifecycle,
    RevenueTier,
    ScoreGrade,
    StageRate,
    UrgencyClass,
)


@dataclass(frozen=True)
class Rule:
    """One tunable number: its key, what a person reads, its unit, bounds and default."""

    key: str
    group: str
    label: Label
    unit: Label
    default: int
    minimum: int
    maximum: int
    help: Label | None = None


DAYS, POINTS, HOURS, PERCENT, CUSTOMERS = L("天", "days"), L("分", "points"), L("小时", "hours"), L("%", "%"), \
    L("个客户", "customers")

#: Groups in the order the 规则 page shows them.
GROUPS: dict[str, Label] = {
    "scoring": L("线索评分", "Lead scoring"),
    "cadence": L("跟进节奏", "Follow-up cadence"),
    "urgency": L("紧急程度分类", "Urgency classes"),
    "pool": L("公海", "Public pool"),
    "duplicates": L("查重", "Duplicate check"),
    "deals": L("商机赢率（按销售阶段）", "Win rate by sales stage"),
    "tiers": L("客户分层（S/A/B/C/D，按累计收入占比）", "Tiers (S/A/B/C/D by cumulative revenue share)"),
    "risk": L("生命周期与流失风险", "Lifecycle and churn risk"),
    "after_sale": L("售后与复购", "After the sale"),
}

RULES: tuple[Rule, ...] = (
    Rule("grade_a", "scoring", L("A级（重点跟进）最低总分", "Lowest total for A (focus)"), POINTS, 15, 4, 20,
         L("需求明确度、预算匹配度、决策链完整性、紧急程度各 1–5 分，总分 20。", "Four scores of 1–5, 20 in all.")),
    Rule("grade_b", "scoring", L("B级（持续培育）最低总分", "Lowest total for B (nurture)"), POINTS, 10, 4, 20,
         L("低于它为 C级（暂缓跟进）。", "Below it: C (later).")),
    Rule("cadence_a", "cadence", L("A级客户每隔", "A customers every"), DAYS, 7, 1, 365),
    Rule("cadence_b", "cadence", L("B级客户每隔", "B customers every"), DAYS, 14, 1, 365),
    Rule("cadence_c", "cadence", L("C级客户每隔", "C customers every"), DAYS, 30, 1, 365),
    Rule("first_contact_hours", "cadence", L("新 A级线索首次联系时限", "First contact of a new A lead within"),
         HOURS, 24, 1, 720),
    Rule("urgent_days", "urgency", L("紧急：下次跟进在几天内", "Urgent: next follow-up within"), DAYS, 7, 1, 365),
    Rule("soon_days", "urgency", L("缓急：下次跟进在几天内", "Soon: next follow-up within"), DAYS, 30, 1, 365),
    Rule("later_days", "urgency", L("不紧急：下次跟进在几天内（更远为可慢反应）",
                                    "Not urgent: within (beyond: can wait)"), DAYS, 90, 1, 3650),
    Rule("pool_days", "pool", L("负责人多少天未跟进，客户退回公海", "Back to the pool after no follow-up for"),
         DAYS, 30, 1, 3650),
    Rule("pool_warning_days", "pool", L("提前几天提示“即将掉入公海”", "Warn this many days before"), DAYS, 3, 0, 365),
    Rule("claim_limit", "pool", L("每人最多拥有的客户数（从公海领取时检查）", "Most customers one person may own"),
         CUSTOMERS, 500, 1, 1_000_000),
    Rule("reclaim_days", "pool", L("放回公海后几天内不能再领回", "No re-claiming one's own release within"),
         DAYS, 7, 0, 365),
    Rule("duplicate_similarity", "duplicates", L("公司名称相似度达到多少算疑似重复", "Name similarity that counts as a "
                                                                       "near duplicate"), PERCENT, 85, 50, 100),
    Rule("win_lead", "deals", L("线索", "Lead"), PERCENT, 10, 0, 100),
    Rule("win_intent", "deals", L("意向", "Interest"), PERCENT, 25, 0, 100),
    Rule("win_proposal", "deals", L("方案", "Proposal"), PERCENT, 50, 0, 100),
    Rule("win_negotiation", "deals", L("谈判", "Negotiation"), PERCENT, 75, 0, 100),
    Rule("tier_s", "tiers", L("S级：累计收入占比至", "S: cumulative revenue share up to"), PERCENT, 50, 1, 100),
    Rule("tier_a", "tiers", L("A级：累计收入占比至", "A: up to"), PERCENT, 80, 1, 100),
    Rule("tier_b", "tiers", L("B级：累计收入占比至", "B: up to"), PERCENT, 90, 1, 100),
    Rule("tier_c", "tiers", L("C级：累计收入占比至（其余为 D级）", "C: up to (the rest: D)"), PERCENT, 97, 1, 100),
    Rule("churn_days", "risk", L("多少天没有任何互动算流失风险", "At risk after no interaction for"), DAYS, 60, 1,
         3650),
    Rule("frequency_drop", "risk", L("近 90 天跟进次数比之前 90 天下降超过", "At risk when follow-ups in the last 90 "
                                                                  "days fell by more than"), PERCENT, 50, 1, 100),
    Rule("renewal_days", "after_sale", L("合同到期前几天提醒复购", "Remind of renewal this many days before the end"),
         DAYS, 30, 1, 365),
    Rule("revisit_days", "after_sale", L("成交客户每隔几天回访", "Revisit customers who bought every"), DAYS, 90, 1,
         365),
)
_BY_KEY = {rule.key: rule for rule in RULES}

#: The open stages' default win rates: stage code → the rule that holds it.
WIN_RATE_RULES = {"lead": "win_lead", "intent": "win_intent", "proposal": "win_proposal",
                  "negotiation": "win_negotiation"}
#: Decided stages: their win rate is fixed (a won deal is 100 %, a lost one 0 %).
DECIDED_RATES = (("won", 100), ("lost", 0))


def rule(key: str) -> Rule:
    """The rule called ``key``; raises KeyError."""
    return _BY_KEY[key]


@dataclass(frozen=True)
class Rules:
    """Every rule's value: the defaults with a base's changes over them. ``rules.pool_days`` reads one."""

    values: Mapping[str, int]

    def __getattr__(self, key: str) -> int:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    @classmethod
    def with_changes(cls, changes: Mapping[str, Any] | None = None) -> Rules:
        """The defaults with ``changes`` (unknown keys and values that no longer fit are left out)."""
        values = {r.key: r.default for r in RULES}
        for key, raw in (changes or {}).items():
            if key in _BY_KEY:
                try:
                    values[key] = checked(key, raw)
                except InvalidValue:
                    continue  # a value from an older version's bounds: the default stands
        return cls(values)

    def win_rates(self) -> tuple[tuple[str, int], ...]:
        """``(stage code, default win rate)`` for every open stage, in funnel order."""
        return tuple((stage, self.values[key]) for stage, key in WIN_RATE_RULES.items())

    def problems(self) -> list[tuple[str, str]]:
        """``(key, reason)`` for values that contradict each other (B's cut above A's, say)."""
        found = []
        if self.grade_b >= self.grade_a:
            found.append(("grade_b", "rules.grade_order"))
        if not self.urgent_days < self.soon_days < self.later_days:
            found.append(("soon_days", "rules.urgency_order"))
        if self.pool_warning_days >= self.pool_days:
            found.append(("pool_warning_days", "rules.warning_order"))
        if not self.tier_s < self.tier_a < self.tier_b < self.tier_c:
            found.append(("tier_a", "rules.tier_order"))
        return found


def checked(key: str, raw: Any) -> int:
    """``raw`` as the whole number rule ``key`` keeps; raises KeyError or InvalidValue (too small or large)."""
    spec = _BY_KEY[key]
    if isinstance(raw, bool):
        raise InvalidValue("invalid.number", raw)
    try:
        number = float(str(raw).strip()) if not isinstance(raw, int | float) else raw
    except ValueError:
        raise InvalidValue("invalid.number", raw) from None
    if number != int(number):
        raise InvalidValue("invalid.integer", raw)
    if number < spec.minimum:
        raise InvalidValue("invalid.too_small", raw, limit=spec.minimum)
    if number > spec.maximum:
        raise InvalidValue("invalid.too_large", raw, limit=spec.maximum)
    return int(number)


DEFAULTS = Rules.with_changes()


def with_rules(base: Base, rules: Rules) -> Base:
    """``base`` with the rules' numbers in its computed columns: the score grade's cuts, the cadence per
    grade behind the due date, the urgency classes' days, the default win rate per stage."""
    def ruled(kind: Any) -> Any:
        if isinstance(kind, StageRate):
            return replace(kind, defaults=rules.win_rates())
        if isinstance(kind, RevenueTier):
            return replace(kind, cuts=(rules.tier_s, rules.tier_a, rules.tier_b, rules.tier_c))
        if isinstance(kind, ChurnRisk):
            return replace(kind, days=rules.churn_days, drop=rules.frequency_drop)
        if isinstance(kind, Lifecycle):
            return replace(kind, leave_days=2 * rules.churn_days)
        if isinstance(kind, ScoreGrade):
            return replace(kind, a_cut=rules.grade_a, b_cut=rules.grade_b)
        if isinstance(kind, DueOn):
            return replace(kind, cadence=(rules.cadence_a, rules.cadence_b, rules.cadence_c))
        if isinstance(kind, UrgencyClass):
            return replace(kind, urgent=rules.urgent_days, soon=rules.soon_days, later=rules.later_days)
        return kind

    return _with_types(base, _RULED, ruled)


#: The column types whose numbers come from the rules (every other column is left as it is).
_RULED = (StageRate, RevenueTier, ChurnRisk, Lifecycle, ScoreGrade, DueOn, UrgencyClass)


def _with_types(base: Base, kinds: tuple[type, ...], change: Any) -> Base:
    """``base`` with ``change(type)`` as the type of each column whose type is one of ``kinds``; tables without
    one are kept as they are (the schema is read on every page: most columns follow no rule)."""
    def changed(table: Any) -> Any:
        if not any(isinstance(c.type, kinds) for c in table.columns):
            return table
        return replace(table, columns=tuple(replace(c, type=change(c.type)) if isinstance(c.type, kinds) else c
                                            for c in table.columns))

    return Base(tables=tuple(changed(table) for table in base.tables))


def with_tier_cuts(base: Base, amounts: tuple[float | None, ...]) -> Base:
    """``base`` with the cut amounts of 客户分层 (db/tiers.py) in its ``RevenueTier`` columns."""
    return _with_types(base, (RevenueTier,), lambda kind: replace(kind, amounts=tuple(amounts)))
