"""Other words people put at the top of a spreadsheet column for each built-in field.

Declared once, here, per table and column name; ``imports.mapping`` compares them (and every
column's own zh/en label) with a file's headers, ignoring case, width, spaces and punctuation,
so ``联系人 手机*`` and ``Mobile Phone`` both find 联系电话. A field people add has no synonyms:
its label is matched. Tables and columns not listed have none either.
"""

from __future__ import annotations

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "name": ("公司", "公司名称", "公司全称", "企业", "企业名称", "企业全称", "客户", "客户全称", "单位",
                 "单位名称", "名称", "商户名称", "机构名称", "Company", "Company name", "Customer", "Client",
                 "Client name", "Account", "Account name", "Organization", "Organisation"),
        "industry": ("行业", "行业类别", "行业分类", "所属行业类别", "Sector", "Vertical"),
        "region": ("城市", "所在城市", "区域", "省市", "所在地", "所在地区", "City", "Area", "Location"),
        "address": ("公司地址", "详细地址", "办公地址", "联系地址", "通讯地址", "Company address", "Street"),
        "contact": ("姓名", "联系人姓名", "客户联系人", "对接人", "Contact name", "Contact person", "Name of contact"),
        "contact_title": ("职位", "岗位", "头衔", "联系人职务", "联系人职位", "Title", "Position"),
        "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系方式", "联系手机", "移动电话", "座机",
                  "固话", "办公电话", "联系人电话", "联系人手机", "Mobile", "Mobile phone", "Phone number",
                  "Tel", "Telephone", "Cell", "Cellphone", "Contact phone"),
        "email": ("邮件", "电子邮箱", "电子邮件", "邮箱地址", "Email", "Mail", "Email address", "Contact email"),
        "source": ("来源", "客户来源", "渠道", "获客渠道", "线索来源", "Lead source", "Channel"),
        "scale": ("规模", "企业规模", "公司规模", "人员规模", "Size", "Scale"),
        "urgency": ("优先级", "Priority"),
        "grade": ("等级", "客户等级", "客户级别", "级别", "潜力", "Grade", "Level"),
        "stage": ("阶段", "商机阶段", "客户阶段", "客户状态", "状态", "Stage", "Pipeline stage", "Status"),
        "tags": ("客户标签", "Tag", "Labels"),
        "needs": ("需求", "客户需求", "需求描述", "Needs", "Requirements"),
        "budget": ("预算", "Budget range"),
        "owner_id": ("销售", "销售人员", "业务员", "客户经理", "所属销售", "归属人", "负责销售", "负责人姓名",
                     "跟进人", "Sales", "Sales rep", "Salesperson", "Account manager", "Assigned to"),
        "notes": ("说明", "备注说明", "Note", "Remarks", "Comment", "Comments"),
        "expected_amount": ("预计金额", "预估金额", "商机金额", "预计成交额", "Deal size", "Deal amount"),
        "expected_on": ("预计成交时间", "预计签约日期", "Close date"),
        "win_rate": ("成交概率", "赢单率", "成功率", "Probability", "Win probability"),
        "competitors": ("竞品", "Competitor"),
        "won_amount": ("成交额", "合同金额", "签约金额", "Contract amount", "Deal value"),
        "won_on": ("成交时间", "签约日期", "签约时间", "Won date", "Signed on"),
        "win_factors": ("成交原因", "赢单原因", "Win factors"),
        "loss_reason": ("输单原因", "丢单原因", "Lost reason"),
        "contract_ends_on": ("合同到期", "到期日", "合同到期时间", "Contract end", "Contract end date", "Expiry date"),
        "service_contact_id": ("服务人员", "售后负责人", "客服"),
    },
    "follow_ups": {
        "customer_id": ("客户名称", "客户编号", "客户全称", "公司", "公司名称", "企业名称", "Customer name",
                        "Customer no.", "Company", "Client", "Account"),
        "time": ("跟进日期", "时间", "日期", "拜访时间", "沟通时间", "联系时间", "Date", "Follow-up date",
                 "Contact date"),
        "method": ("方式", "沟通方式", "联系方式", "Channel", "Type"),
        "content": ("跟进内容", "内容", "记录", "跟进记录", "沟通记录", "详情", "Content", "Notes", "Summary"),
        "feedback": ("反馈", "Feedback"),
        "solution": ("方案", "处理方案"),
        "next_action": ("下一步", "下一步计划", "下步计划", "后续行动", "Next action"),
        "next_follow_up_on": ("下次跟进", "下次跟进日期", "下次联系时间", "计划跟进日期", "Next follow-up",
                              "Next contact date"),
        "person_id": ("跟进人员", "销售", "负责人", "业务员", "记录人", "Sales rep", "Owner", "By"),
        "status": ("状态", "结果", "跟进结果", "Result", "Outcome"),
        "satisfaction": ("评分", "Rating", "Score"),
    },
}
