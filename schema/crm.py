"""The built-in CRM template: users, 客户信息表 and 客户跟进记录表.

Fields follow the seed documents (模板1 客户信息基础表, 模板2 客户跟进计划表,
模板3 客户跟进记录表, 模板4 销售漏斗阶段表). It is an ordinary :class:`Base`, the
same model user-defined tables will use.
"""

from __future__ import annotations

from schema.labels import L
from schema.model import Base, Column, Table
from schema.rules import DECIDED_RATES, DEFAULTS
from schema.types import (
    NOW,
    Attachments,
    AutoNumber,
    Checkbox,
    Choice,
    ChurnRisk,
    CreatedOn,
    DateTime,
    DaysSince,
    DueOn,
    Email,
    Formula,
    Lifecycle,
    Link,
    LongText,
    MultiChoice,
    Number,
    Option,
    Phone,
    RevenueTier,
    Rollup,
    ScoreGrade,
    ScoreTotal,
    StageChangedAt,
    StageRate,
    Text,
    UrgencyClass,
)
from schema.types import (
    Date as DateType,
)


def options(*triples: tuple[str, str, str]) -> tuple[Option, ...]:
    """Options from ``(code, 中文, English)`` triples."""
    return tuple(Option(code, L(zh, en)) for code, zh, en in triples)


ROLES = options(("admin", "管理员", "Administrator"), ("manager", "经理", "Manager"), ("sales", "销售", "Sales"))

INDUSTRIES = options(
    ("manufacturing", "制造业", "Manufacturing"),
    ("retail", "零售", "Retail"),
    ("it", "IT/互联网", "IT / Internet"),
    ("finance", "金融", "Finance"),
    ("education", "教育", "Education"),
    ("healthcare", "医疗健康", "Healthcare"),
    ("logistics", "物流", "Logistics"),
    ("construction", "建筑地产", "Construction & real estate"),
    ("hospitality", "餐饮酒店", "Hospitality"),
    ("other", "其他", "Other"),
)
SOURCES = options(
    ("expo", "展会", "Trade show"),
    ("website", "官网表单", "Website form"),
    ("referral", "转介绍", "Referral"),
    ("phone", "电话咨询", "Phone enquiry"),
    ("online", "线上咨询", "Online enquiry"),
    ("other", "其他", "Other"),
)
SCALES = options(
    ("large", "大型企业", "Large enterprise"),
    ("sme", "中小企业", "SME"),
    ("individual", "个体商户", "Sole trader"),
)
URGENCIES = options(("high", "高", "High"), ("medium", "中", "Medium"), ("low", "低", "Low"))
GRADES = options(("A", "A级", "A"), ("B", "B级", "B"), ("C", "C级", "C"))
#: 评分等级 (seed 000): worked out from the lead score by the base's rules.
SCORE_GRADES = options(("A", "A级（重点跟进）", "A (focus)"), ("B", "B级（持续培育）", "B (nurture)"),
                       ("C", "C级（暂缓跟进）", "C (later)"))
#: 紧急程度分类 (seed 003), from the days until the next follow-up is due.
URGENCY_CLASSES = options(("urgent", "紧急", "Urgent"), ("soon", "缓急", "Soon"), ("later", "不紧急", "Not urgent"),
                          ("slow", "可慢反应", "Can wait"))
SCORE = Number(integer=True, minimum=1, maximum=5, display="rating")
#: 客户分层 (seed 003): S/A/B/C/D by cumulative share of revenue.
TIERS = options(("S", "S级", "S"), ("A", "A级", "A"), ("B", "B级", "B"), ("C", "C级", "C"), ("D", "D级", "D"))
#: 生命周期 (seed 003).
LIFECYCLE = options(("acquisition", "获取期", "Acquisition"), ("growth", "提升期", "Growth"),
                    ("maturity", "成熟期", "Maturity"), ("decline", "衰退期", "Decline"),
                    ("leaving", "离开期", "Leaving"))
STAGES = options(
    ("lead", "线索", "Lead"),
    ("intent", "意向", "Interest"),
    ("proposal", "方案", "Proposal"),
    ("negotiation", "谈判", "Negotiation"),
    ("won", "成交", "Won"),
    ("lost", "输单", "Lost"),
)
WIN_FACTORS = options(
    ("price", "价格优势", "Better price"),
    ("service", "服务响应速度", "Fast service"),
    ("fit", "产品匹配度", "Product fit"),
    ("brand", "品牌信任", "Trusted brand"),
    ("relationship", "关系维护", "Relationship"),
    ("other", "其他", "Other"),
)
LOSS_REASONS = options(
    ("price", "价格过高", "Price too high"),
    ("competitor", "选择竞品", "Chose a competitor"),
    ("needs_changed", "需求变更", "Needs changed"),
    ("budget_cut", "预算取消", "Budget cancelled"),
    ("decision_maker", "决策人变动", "Decision maker changed"),
    ("slow_follow_up", "跟进不及时", "Followed up too late"),
    ("other", "其他", "Other"),
)
#: The funnel: every stage a won customer passes through, in order.
FUNNEL_STAGES = ("lead", "intent", "proposal", "negotiation", "won")
TAGS = options(
    ("strong_intent", "意向强烈", "Strong intent"),
    ("budget_pending", "预算待确认", "Budget to confirm"),
    ("comparing", "竞品对比中", "Comparing competitors"),
    ("decision_maker", "已接触决策人", "Decision maker reached"),
    ("price_sensitive", "价格敏感", "Price sensitive"),
    ("needs_demo", "需要演示", "Wants a demo"),
    ("repeat", "老客户复购", "Repeat customer"),
)
METHODS = options(
    ("phone", "电话", "Phone"),
    ("visit", "拜访", "Visit"),
    ("meeting", "线上会议", "Online meeting"),
    ("email", "邮件", "E-mail"),
    ("wechat", "微信", "WeChat"),
    ("revisit", "回访", "Revisit"),
)
FOLLOW_UP_STATUSES = options(
    ("proposal_sent", "已发送方案", "Proposal sent"),
    ("awaiting_feedback", "等待反馈", "Awaiting feedback"),
    ("visit_scheduled", "约见拜访", "Visit scheduled"),
    ("done", "已完成", "Done"),
)

USERS = Table(
    name="users",
    label=L("成员", "Members"),
    label_column="display_name",
    default_order="id",
    default_descending=False,
    columns=(
        Column("username", Text(max_length=40), L("用户名", "Username"), required=True),
        Column("display_name", Text(max_length=40), L("姓名", "Name"), required=True, searchable=True),
        Column("role", Choice(ROLES), L("角色", "Role"), required=True, default="sales"),
        Column("active", Checkbox(), L("在职", "Active"), default=1),
    ),
)

CUSTOMERS = Table(
    name="customers",
    label=L("客户信息表", "Customers"),
    label_column="name",
    columns=(
        Column("number", AutoNumber(), L("客户编号", "Customer no."),
               help=L("年份+月份+序号，自动生成", "Year, month and sequence, given automatically")),
        Column("name", Text(), L("客户名称", "Customer name"), required=True, searchable=True,
               help=L("客户公司全称", "The company's full name"), width="medium"),
        Column("industry", Choice(INDUSTRIES), L("所属行业", "Industry"), filterable=True),
        Column("region", Text(max_length=40), L("地区", "Region"), help=L("客户所在城市", "City")),
        Column("address", Text(), L("地址", "Address")),
        Column("contact", Text(max_length=40), L("联系人", "Contact"), searchable=True),
        Column("contact_title", Text(max_length=40), L("职务", "Job title")),
        Column("phone", Phone(), L("联系电话", "Phone"), searchable=True,
               help=L("手机或带区号的座机", "A mobile, or a landline with its area code")),
        Column("email", Email(), L("邮箱", "E-mail")),
        Column("source", Choice(SOURCES), L("来源渠道", "Source"), filterable=True),
        Column("scale", Choice(SCALES), L("客户规模", "Company size"), filterable=True),
        Column("urgency", Choice(URGENCIES), L("紧急度", "Urgency"), filterable=True),
        Column("grade", Choice(GRADES), L("潜力等级", "Potential"), filterable=True,
               help=L("A级为最高", "A is the highest")),
        Column("score_need", SCORE, L("需求明确度", "Need clarity"),
               help=L("1–5 分：客户的需求有多明确", "1–5: how clear the customer's need is")),
        Column("score_budget", SCORE, L("预算匹配度", "Budget fit"),
               help=L("1–5 分：预算与方案是否匹配", "1–5: how well the budget fits")),
        Column("score_decision", SCORE, L("决策链完整性", "Decision chain"),
               help=L("1–5 分：是否已接触到决策人、流程是否清楚", "1–5: decision makers reached, process known")),
        Column("score_urgency", SCORE, L("紧急程度", "Urgency score"),
               help=L("1–5 分：客户需要多快解决", "1–5: how soon the customer needs it")),
        Column("lead_score", ScoreTotal(("score_need", "score_budget", "score_decision", "score_urgency")),
               L("线索评分", "Lead score"), help=L("四项之和（满分 20），四项都填后才计算", "The four scores "
                                                  "added up (20 at most), once all four are given")),
        Column("score_grade", ScoreGrade("lead_score", result=Choice(SCORE_GRADES)), L("评分等级", "Score grade"),
               filterable=True, help=L("按规则页的分数线：默认 15 分以上 A级、10–14 B级、10 以下 C级",
                                       "By the rules page's cuts: by default 15+ A, 10–14 B, below 10 C")),
        Column("stage", Choice(STAGES), L("销售阶段", "Sales stage"), filterable=True, default="lead"),
        Column("tags", MultiChoice(TAGS), L("标签", "Tags"), filterable=True),
        Column("needs", LongText(), L("初步需求", "Initial needs")),
        Column("budget", Text(max_length=60), L("预算范围", "Budget"), help=L("例：50-80万元", "e.g. 500-800k CNY")),
        Column("owner_id", Link("users"), L("负责人", "Owner"), filterable=True),
        Column("created_on", CreatedOn(), L("建档日期", "Created on")),
        Column("notes", LongText(), L("备注", "Notes")),
        Column("attachments", Attachments(), L("附件", "Attachments"),
               help=L("名片扫描件、会议纪要、需求文档等，在客户详情中上传", "Business cards, meeting notes, "
                      "requirement documents…, uploaded in the customer's detail")),
        Column("last_follow_up_at", Rollup("follow_ups", "customer_id", "time", "max", result=DateTime(), stored=True),
               L("最近跟进时间", "Last follow-up")),
        Column("follow_up_count", Rollup("follow_ups", "customer_id", None, "count", result=Number(integer=True),
                                         stored=True),
               L("跟进次数", "Follow-ups")),
        Column("days_since_follow_up", DaysSince("last_follow_up_at"), L("距上次跟进天数", "Days since follow-up")),
        Column("next_follow_up_on", Rollup("follow_ups", "customer_id", "next_follow_up_on", "next",
                                           result=DateType()),
               L("下次跟进时间", "Next follow-up"),
               help=L("最早一个今天或以后的计划跟进", "The earliest planned follow-up from today on")),
        Column("due_on", DueOn("follow_ups", "customer_id", "next_follow_up_on", "time", "last_follow_up_at",
                               "created_on", ("score_grade", "grade")),
               L("下次应跟进日期", "Follow-up due"),
               help=L("最近一次跟进计划的下次跟进时间；没有计划时按等级节奏（默认 A级 7 天、B级 14 天、C级 30 天）"
                      "从最近跟进算起；从未跟进的客户从建档当天起就该跟进",
                      "The next date the latest follow-up planned; without a plan, the last follow-up plus "
                      "the grade's cadence (A 7, B 14, C 30 days by default); never followed up: due from "
                      "the day the customer was created")),
        Column("urgency_class", UrgencyClass("due_on", result=Choice(URGENCY_CLASSES)),
               L("紧急程度分类", "Urgency class"), filterable=True,
               help=L("按距下次应跟进的天数：默认 7 天内（含逾期）紧急、30 天内缓急、90 天内不紧急，更远可慢反应",
                      "By the days until the follow-up is due: within 7 (or overdue) urgent, 30 soon, "
                      "90 not urgent, beyond: can wait")),
        Column("last_method", Rollup("follow_ups", "customer_id", "method", "latest", order_by="time",
                                     result=Choice(METHODS)),
               L("最近跟进方式", "Last method")),
        Column("last_content", Rollup("follow_ups", "customer_id", "content", "latest", order_by="time",
                                      result=LongText()),
               L("最近跟进内容", "Last follow-up notes"), width="medium"),
        # 商机 (deals, seed 000): appended, so that fields placed among the columns above keep their places.
        Column("expected_amount", Number(minimum=0, display="money"), L("预计成交金额", "Expected amount"),
               help=L("这笔商机预计的成交金额（元）", "What the deal is expected to be worth (CNY)")),
        Column("expected_on", DateType(), L("预计成交日期", "Expected close date")),
        Column("win_rate", Number(integer=True, minimum=0, maximum=100, display="percent"), L("赢率", "Win rate"),
               help=L("0–100；留空则按销售阶段的默认赢率（见「规则」）", "0–100; empty: the stage's default win rate "
                      "(see Rules)")),
        Column("effective_win_rate", StageRate("win_rate", "stage", DEFAULTS.win_rates(), DECIDED_RATES),
               L("实际赢率", "Effective win rate"),
               help=L("填了赢率用赢率，否则用销售阶段的默认赢率；成交为 100%，输单为 0%",
                      "The win rate if given, else the stage's default; 100% when won, 0% when lost")),
        Column("weighted_amount", Formula("{#expected_amount} * {#effective_win_rate} / 100",
                                          result=Number(display="money")),
               L("加权金额", "Weighted amount"),
               help=L("预计成交金额 × 实际赢率", "Expected amount × effective win rate")),
        Column("competitors", Text(), L("竞争对手", "Competitors"), help=L("参与竞争的对手，多个用顿号隔开",
                                                                          "Who else is bidding")),
        Column("won_amount", Number(minimum=0, display="money"), L("成交金额", "Won amount"),
               required_when=("stage", "won"), help=L("移到“成交”时必填", "Required when the stage becomes Won")),
        Column("won_on", DateType(), L("成交日期", "Won on"), required_when=("stage", "won"),
               help=L("移到“成交”时必填", "Required when the stage becomes Won")),
        Column("win_factors", MultiChoice(WIN_FACTORS), L("成交关键因素", "Why we won"),
               required_when=("stage", "won"), help=L("移到“成交”时至少选一项", "At least one when the stage "
                                                                                  "becomes Won")),
        Column("loss_reason", Choice(LOSS_REASONS), L("流失原因", "Loss reason"),
               required_when=("stage", "lost"), help=L("移到“输单”时必填", "Required when the stage becomes Lost")),
        Column("stage_changed_at", StageChangedAt(), L("阶段变更时间", "Stage changed at"),
               help=L("销售阶段最近一次变化的时间，由系统记录",
                      "When the sales stage last changed, recorded by the base")),
        Column("days_in_stage", DaysSince("stage_changed_at"), L("本阶段天数", "Days in stage"),
               help=L("进入当前销售阶段以来的天数", "Days since the customer entered its current stage")),
        Column("tier", RevenueTier("won_amount", result=Choice(TIERS)), L("客户分层", "Tier"), filterable=True,
               help=L("按成交金额从大到小累计：默认前 50% 收入的客户为 S级、到 80% 为 A级、90% B级、97% C级，其余 D级；"
                      "没有成交金额的为空（规则页可改）", "Customers by won amount, largest first: those holding the "
                      "first 50% of revenue are S, to 80% A, 90% B, 97% C, the rest D; empty without revenue "
                      "(editable on the rules page)")),
        Column("churn_risk", ChurnRisk("follow_ups", "customer_id", "time", "last_follow_up_at", "stage"),
               L("流失风险", "Churn risk"), filterable=True,
               help=L("跟进过、未输单，且 60 天没有跟进，或近 90 天跟进次数比之前 90 天少了一半以上（规则页可改）",
                      "Followed up before, not lost, and no follow-up for 60 days, or follow-ups in the last "
                      "90 days fell by more than half from the 90 before (editable on the rules page)")),
        Column("lifecycle", Lifecycle("stage", "churn_risk", "last_follow_up_at", "created_on",
                                      result=Choice(LIFECYCLE)), L("生命周期", "Lifecycle"), filterable=True,
               help=L("获取期：线索、意向；提升期：方案、谈判；成熟期：已成交；衰退期：已成交但有流失风险；"
                      "离开期：输单，或超过流失天数两倍没有跟进", "Acquisition: lead, interest; growth: proposal, "
                      "negotiation; maturity: won; decline: won but at risk; leaving: lost, or no follow-up "
                      "for twice the churn days")),
        Column("contract_ends_on", DateType(), L("合同到期日", "Contract ends on"),
               help=L("到期前按规则页的天数出现在今日待跟进的“合同即将到期”里，提醒复购或续约",
                      "Listed under “contracts ending” on the worklist the rules' days before, for renewal")),
        Column("service_contact_id", Link("users"), L("服务对接人", "Service contact"), filterable=True,
               help=L("成交后负责服务与回访的成员", "The member who serves and revisits the customer after the sale")),
        Column("last_satisfaction", Rollup("follow_ups", "customer_id", "satisfaction", "latest", order_by="time",
                                           result=SCORE, condition=("method", "revisit")),
               L("最近满意度", "Last satisfaction"), help=L("最近一次回访记录的满意度", "From the latest revisit")),
        Column("last_revisit_at", Rollup("follow_ups", "customer_id", "time", "max", result=DateTime(),
                                         condition=("method", "revisit")),
               L("最近回访时间", "Last revisit")),
    ),
)

FOLLOW_UPS = Table(
    name="follow_ups",
    label=L("客户跟进记录表", "Follow-ups"),
    label_column="time",
    default_order="time",
    columns=(
        Column("customer_id", Link("customers", on_delete="CASCADE"), L("客户", "Customer"),
               required=True, filterable=True, width="medium"),
        Column("time", DateTime(), L("跟进时间", "Time"), required=True, default=NOW),
        Column("method", Choice(METHODS), L("跟进方式", "Method"), filterable=True, default="phone"),
        Column("content", LongText(), L("沟通内容", "What was discussed"), searchable=True, width="medium"),
        Column("feedback", LongText(), L("客户反馈", "Customer feedback"), searchable=True),
        Column("solution", LongText(), L("解决方案", "Solution")),
        Column("next_action", LongText(), L("下一步行动", "Next step")),
        Column("next_follow_up_on", DateType(), L("下次跟进时间", "Next follow-up on")),
        Column("person_id", Link("users"), L("跟进人", "Followed up by"), filterable=True),
        Column("status", Choice(FOLLOW_UP_STATUSES), L("跟进状态", "Status"), filterable=True),
        Column("satisfaction", SCORE, L("满意度", "Satisfaction"),
               help=L("回访时客户的满意度，1–5 分", "How satisfied the customer is at a revisit, 1–5")),
    ),
)

CRM = Base(tables=(USERS, CUSTOMERS, FOLLOW_UPS))
