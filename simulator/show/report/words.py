"""The report's words in English and Chinese: labels, sentences, scenario titles, parameters, invariants,
alerts. ``text(lang)`` gives a lookup that falls back to English for anything not translated (e.g. a
user scenario's own invariant names)."""

from __future__ import annotations

from typing import Any

from ..chain.clock import format_beijing
from ..domain.money import fmt_fen

LANGS = ("en", "zh")

EN: dict[str, str] = {
    "html_lang": "en",
    "report": "Run report",
    "scenario": "Scenario",
    "seed": "seed",
    "s_what_happened": "What happened",
    "s_parameters": "Parameters",
    "s_totals": "Key totals (read from the chain)",
    "s_money": "Money over time",
    "s_groups": "Balances by actor group",
    "s_institutions": "Institutions",
    "s_campaigns": "Red-packet campaigns",
    "s_comparison": "Supervision models side by side",
    "s_alerts": "Alerts",
    "s_refusals": "Refused transactions",
    "s_invariants": "Invariants",
    "s_about": "About this report",
    # charts
    "chart_money_over_time": "Money over time (after each transaction)",
    "chart_balances_by_group": "Wallet balances by actor group",
    "chart_institutions": "Where the prepaid fees went, by institution",
    "chart_campaigns": "Where the packet money went, by campaign",
    "chart_comparison": "The same term under each supervision model",
    "axis_time": "Beijing time (UTC+8)",
    "axis_money": "Amount (yuan)",
    "locked_part": "{group}: locked part",
    "flow_locked": "locked (earmarked under supervision, in packets, grants, payments or wages)",
    "flow_released": "released to institutions / merchants / payees",
    "flow_refunded": "refunded to parents / buyers / payers",
    "flow_returned": "swept / returned to funders",
    "part_released": "released to the institution",
    "part_refunded": "refunded to parents",
    "part_locked": "still locked",
    "part_with_merchants": "spent at merchants",
    "part_returned": "returned to the funder",
    "part_unspent": "still in packets",
    "measure_paid_in": "parents paid",
    "measure_released": "released to the school",
    "measure_refunded": "refunded",
    "measure_parent_loss": "parents lose",
    "model_escrow": "per-lesson escrow (the pilot)",
    "model_risk_deposit": "risk deposit",
    "model_unsupervised": "unsupervised (paid up front)",
    "group_parent": "parents",
    "group_school": "schools",
    "group_merchant": "merchants",
    "group_government": "government (funder)",
    "group_winner": "winners",
    "group_citizen": "citizens",
    "group_bank": "bank",
    "group_regulator": "regulator",
    "group_bureau": "commerce bureau",
    "group_firm": "firms",
    "group_department": "government department (funder)",
    "group_agency": "milestone agency",
    "group_payroll": "payroll payees",
    "group_rent": "rent payees",
    "group_suppliers": "supplier payees",
    "group_supplier": "suppliers",
    "group_landlord": "landlords",
    "group_dealer": "dealers",
    "group_wallet": "unregistered wallets",
    "group_buyer": "car buyers",
    "group_verifier": "verifiers",
    "group_contractor": "contractors",
    "group_worker": "workers",
    "group_crony": "the subcontractor's crony",
    "group_other": "other",
    # tables
    "th_parameter": "parameter",
    "th_value": "value",
    "th_total": "total",
    "th_amount": "amount",
    "th_count": "count",
    "th_contract": "supervision",
    "th_institution": "institution",
    "th_status": "status",
    "th_orders": "orders",
    "th_lessons_bought": "lessons bought",
    "th_lessons_paid": "lessons paid out",
    "th_paid_in": "paid in",
    "th_released": "released",
    "th_refunded": "refunded",
    "th_locked": "still locked",
    "th_campaign": "campaign",
    "th_funder": "funder",
    "th_valid": "valid",
    "th_funded": "funded",
    "th_claimed": "claimed",
    "th_payments": "payments",
    "th_merchants": "merchants",
    "th_packet_spent": "packet money spent",
    "th_own_spent": "own money spent",
    "th_refunded_buyers": "refunded to buyers",
    "th_returned": "returned to the funder",
    "th_swept": "swept (unclaimed + unspent)",
    "th_unspent": "still in packets",
    "th_model": "model",
    "th_time": "time (Beijing)",
    "th_kind": "alert",
    "th_subject": "about",
    "th_message": "what",
    "th_actor": "actor",
    "th_call": "call",
    "th_error": "refused with",
    "th_holds": "holds",
    "th_invariant": "invariant",
    "th_group": "group",
    "th_actors": "actors",
    "th_balance": "balance at the end",
    "th_of_which_locked": "of which locked",
    "yes": "yes",
    "no": "NO",
    "status_Approved": "approved",
    "status_Frozen": "frozen",
    "status_Closing": "closing",
    "more_rows": "… and {n} more (see journal.csv from `ecny-sim export --csv`).",
    # sentences
    "intro": "{title}.",
    "span": "Scenario <code>{name}</code>, seed {seed}: {n} transactions from {start} to {end} (Beijing time).",
    "outcome_ok": "The run finished and every invariant held.",
    "outcome_failed": "The run ended with <b>{outcome}</b>: {message}",
    "outcome_incomplete": "The journal has no end line: the run was cut short. This report covers its {n} "
                          "complete transactions.",
    "no_summary": "No summary.json was found beside the journal; totals here are read from the journal alone.",
    "prepaid": "Parents prepaid {paid} for {orders} orders with {institutions}. Of that, {released} reached "
               "the institutions, {refunded} went back to the parents and {locked} is still locked.",
    "prepaid_lessons": "{lessons} lesson fees (lessons × pupils) were paid to the institutions one lesson at a "
                       "time, as the lessons were taught.",
    "frozen": "The regulator froze {names}.",
    "campaign": "{funder} funded {funded} of red packets ({campaign}, valid {start} to {end}). {claims} "
                "packets worth {claimed} were claimed; {payments} payments spent {spent} of packet money "
                "and {own} of the buyers' own money at {merchants} merchants.",
    "campaign_back": "{returned} went back to the funder{swept_part}; {refunded} was refunded to buyers; "
                     "{unspent} is still in packets.",
    "campaign_swept": " ({swept} swept at expiry: {unclaimed} never claimed, {unspent} claimed but unspent)",
    "grants": "A grant programme with a budget of {budget} made {grants} and paid {paid} into the firms' "
              "wallets in {tranches}; the firms spent {spent} of it on registered payees of allowed purposes in "
              "{payments}, and {unspent} is still unspent.",
    "grants_cancelled": "{cancelled} of tranches was cancelled.",
    "grants_clawback": "{clawbacks}: the firms owed {owed} ({principal} received plus {interest} "
                       "interest); {returned} of unspent grant money went back at once, {withheld} of later "
                       "tranches was withheld, {repaid} was repaid and {outstanding} is still owed.",
    "conditional": "{n} locked {created} in the payers' own wallets: {released} was released "
                   "to the payees, {returned} went back to the payers and {pending} is still undecided "
                   "({disputes} disputed).",
    "wages": "{runs} put {funded} of wages into the subcontractor's wallet, locked to the workers listed: "
             "{paid} was paid to workers in {count}, {returned} went back to the main contractor and "
             "{pending} is not yet paid.",
    "comparison": "The same term ran under {n} supervision models at once, on one chain. Parents lost {losses}.",
    "comparison_item": "{loss} under {model}",
    "and": "and",
    "refusals": "{n} transactions were refused by the contracts ({expected} of them as the scenario expected); "
                "each is listed below with its reason.",
    "alerts_n": "{n} alerts were raised during the run.",
    "alerts_none": "No alerts were raised during the run.",
    "issued": "In all, the bank issued {issued} of e-CNY and redeemed {redeemed}.",
    "money_explained": "Locked money is earmarked in a wallet under a supervision contract, a campaign, a grant "
                       "programme, a conditional payment or a wage contract: the owner sees it but cannot spend "
                       "it freely. Released, refunded and returned are counted from the start of the run.",
    "groups_explained": "Lines: each group's wallet balances (free money plus earmarks). Shaded: the "
                        "earmarked (locked) part of them.",
    "none": "none",
    "about": "Read from {journal} ({lines} lines) and summary.json. Final state hash {hash}. Chain id {chain}. "
             "Times are the chain's block times in Beijing time (UTC+8). Charts are also in {charts}.",
    "outcome_word_ok": "ok",
    "outcome_word_invariant_failed": "an invariant failed",
    "outcome_word_unexpected_revert": "an unexpected revert",
    "outcome_word_scenario_error": "a scenario error",
    "incomplete": "incomplete",
    # alerts
    "alert_cancellation_wave": "cancellation wave",
    "alert_supervised_balance_high": "supervised balance high",
    "alert_course_oversold": "course oversold",
    "alert_campaign_unspent_near_expiry": "campaign unspent near expiry",
    "alert_grant_debt_outstanding": "debt outstanding after a clawback",
    "alert_milestones_missed": "firms missing milestones",
    "alert_conditional_payment_disputed": "conditional payment disputed",
}

ZH: dict[str, str] = {
    "html_lang": "zh-CN",
    "report": "运行报告",
    "scenario": "场景",
    "seed": "随机种子",
    "s_what_happened": "发生了什么",
    "s_parameters": "参数",
    "s_totals": "关键合计（从链上读取）",
    "s_money": "资金随时间变化",
    "s_groups": "各类参与者的钱包余额",
    "s_institutions": "培训机构",
    "s_campaigns": "红包活动",
    "s_comparison": "监管模式对比",
    "s_alerts": "预警",
    "s_refusals": "被拒绝的交易",
    "s_invariants": "不变量检查",
    "s_about": "关于本报告",
    "chart_money_over_time": "资金随时间变化（每笔交易之后）",
    "chart_balances_by_group": "各类参与者的钱包余额",
    "chart_institutions": "预付学费的去向（按机构）",
    "chart_campaigns": "红包资金的去向（按活动）",
    "chart_comparison": "同一学期在各监管模式下的结果",
    "axis_time": "北京时间（UTC+8）",
    "axis_money": "金额（元）",
    "locked_part": "{group}：其中锁定部分",
    "flow_locked": "锁定（监管中、红包内、专项资金、条件支付或工资）",
    "flow_released": "已拨付给机构／商户／收款方",
    "flow_refunded": "已退还家长／买家／付款人",
    "flow_returned": "回收／退回出资方",
    "part_released": "拨付给机构",
    "part_refunded": "退还家长",
    "part_locked": "仍锁定",
    "part_with_merchants": "在商户消费",
    "part_returned": "退回出资方",
    "part_unspent": "仍在红包内",
    "measure_paid_in": "家长支付",
    "measure_released": "拨付给学校",
    "measure_refunded": "退款",
    "measure_parent_loss": "家长损失",
    "model_escrow": "按课时托管（试点模式）",
    "model_risk_deposit": "风险保证金",
    "model_unsupervised": "无监管（预付全款）",
    "group_parent": "家长",
    "group_school": "学校",
    "group_merchant": "商户",
    "group_government": "政府（出资方）",
    "group_winner": "中签者",
    "group_citizen": "市民",
    "group_bank": "银行",
    "group_regulator": "监管部门",
    "group_bureau": "商务局",
    "group_firm": "企业",
    "group_department": "政府主管部门（出资方）",
    "group_agency": "里程碑核验机构",
    "group_payroll": "工资收款方",
    "group_rent": "房租收款方",
    "group_suppliers": "供应商收款方",
    "group_supplier": "供应商",
    "group_landlord": "房东",
    "group_dealer": "经销商",
    "group_wallet": "未登记的钱包",
    "group_buyer": "购车人",
    "group_verifier": "核验方",
    "group_contractor": "承包商",
    "group_worker": "工人",
    "group_crony": "分包方的亲信",
    "group_other": "其他",
    "th_parameter": "参数",
    "th_value": "取值",
    "th_total": "合计项",
    "th_amount": "金额",
    "th_count": "数量",
    "th_contract": "监管模式",
    "th_institution": "机构",
    "th_status": "状态",
    "th_orders": "订单数",
    "th_lessons_bought": "购买课时",
    "th_lessons_paid": "已结算课时",
    "th_paid_in": "家长支付",
    "th_released": "已拨付",
    "th_refunded": "已退款",
    "th_locked": "仍锁定",
    "th_campaign": "活动",
    "th_funder": "出资方",
    "th_valid": "有效期",
    "th_funded": "注资",
    "th_claimed": "已领取",
    "th_payments": "支付笔数",
    "th_merchants": "商户数",
    "th_packet_spent": "红包消费",
    "th_own_spent": "自有资金消费",
    "th_refunded_buyers": "退还买家",
    "th_returned": "退回出资方",
    "th_swept": "到期回收（未领取＋未使用）",
    "th_unspent": "仍在红包内",
    "th_model": "模式",
    "th_time": "时间（北京时间）",
    "th_kind": "预警",
    "th_subject": "对象",
    "th_message": "内容",
    "th_actor": "参与者",
    "th_call": "调用",
    "th_error": "拒绝原因",
    "th_holds": "是否成立",
    "th_invariant": "不变量",
    "th_group": "类别",
    "th_actors": "人数",
    "th_balance": "期末余额",
    "th_of_which_locked": "其中锁定",
    "yes": "是",
    "no": "否",
    "status_Approved": "已批准",
    "status_Frozen": "已冻结",
    "status_Closing": "停业公告中",
    "more_rows": "……另有 {n} 条（见 `ecny-sim export --csv` 生成的 journal.csv）。",
    "intro": "{title}。",
    "span": "场景 <code>{name}</code>，随机种子 {seed}：从 {start} 到 {end}（北京时间）共 {n} 笔交易。",
    "outcome_ok": "运行完成，所有不变量均成立。",
    "outcome_failed": "运行结果为<b>{outcome}</b>：{message}",
    "outcome_incomplete": "日志没有结束行：运行被中断。本报告涵盖其 {n} 笔完整交易。",
    "no_summary": "日志旁没有 summary.json；此处的合计仅从日志读取。",
    "prepaid": "家长为 {orders} 个订单向{institutions}预付了 {paid}。其中 {released} 已拨付给机构，{refunded} 已退还家长，"
               "{locked} 仍处于锁定状态。",
    "prepaid_lessons": "共有 {lessons} 笔课时费（课时数 × 学生数）按课时逐节拨付给机构（上一节，付一节）。",
    "frozen": "监管部门冻结了{names}。",
    "campaign": "{funder}出资 {funded} 发放红包（活动 {campaign}，有效期 {start} 至 {end}）。共领取 {claims} 个红包，"
                "计 {claimed}；{payments} 笔支付在 {merchants} 家商户消费了红包资金 {spent}，买家自有资金 {own}。",
    "campaign_back": "{returned} 退回出资方{swept_part}；{refunded} 退还给买家；{unspent} 仍在红包内。",
    "campaign_swept": "（到期回收 {swept}：未领取 {unclaimed}，已领取未使用 {unspent}）",
    "grants": "专项资金预算 {budget}，共资助 {grants} 家企业，分 {tranches} 笔向企业钱包拨付 {paid}；企业按规定用途"
              "向登记收款方付出 {spent}（{payments} 笔），仍有 {unspent} 未用。",
    "grants_cancelled": "取消的分期资助共 {cancelled}。",
    "grants_clawback": "共追回 {clawbacks} 笔：企业应退还 {owed}（已收资助 {principal} 加利息 {interest}）；其中未用的专项资金 "
                       "{returned} 立即退回，后续分期抵扣 {withheld}，企业归还 {repaid}，仍欠 {outstanding}。",
    "conditional": "{n} 笔条件支付在付款人自己的钱包里锁定了 {created}：{released} 已付给收款人，{returned} 已退回付款人，"
                   "{pending} 仍待决定（{disputes} 笔有异议）。",
    "wages": "{runs} 批工资共 {funded} 打入分包方的钱包，锁定给名单上的工人：{paid} 已分 {count} 笔发给工人，"
             "{returned} 退回总包方，{pending} 尚未发放。",
    "comparison": "同一学期在同一条链上同时以 {n} 种监管模式运行。家长的损失：{losses}。",
    "comparison_item": "{model}为 {loss}",
    "and": "，",
    "refusals": "合约拒绝了 {n} 笔交易（其中 {expected} 笔在场景预期之中）；下表逐笔列出原因。",
    "alerts_n": "运行期间共触发 {n} 条预警。",
    "alerts_none": "运行期间未触发预警。",
    "issued": "银行共发行数字人民币 {issued}，兑回 {redeemed}。",
    "money_explained": "锁定资金是在钱包中由监管合约、红包活动、专项资金、条件支付或工资合约圈存的钱：持有人看得见，但不能随意动用。"
                       "已拨付、已退款和退回出资方的金额均从运行开始累计。",
    "groups_explained": "折线：各类参与者的钱包余额（可用资金加圈存资金）。阴影：其中被圈存锁定的部分。",
    "none": "无",
    "about": "数据来自 {journal}（共 {lines} 行）和 summary.json。最终状态哈希 {hash}。链 ID {chain}。"
             "时间为链上区块时间，按北京时间（UTC+8）显示。图表另存于 {charts}。",
    "outcome_word_ok": "成功",
    "outcome_word_invariant_failed": "不变量不成立",
    "outcome_word_unexpected_revert": "出现意外回滚",
    "outcome_word_scenario_error": "场景脚本出错",
    "incomplete": "未完成",
    "alert_cancellation_wave": "集中退课",
    "alert_supervised_balance_high": "监管资金过高",
    "alert_course_oversold": "课程超卖",
    "alert_campaign_unspent_near_expiry": "活动临近到期资金大量未用",
    "alert_grant_debt_outstanding": "追回后仍有欠款",
    "alert_milestones_missed": "大量企业未达成节点",
    "alert_conditional_payment_disputed": "条件支付有争议",
}

TITLES_ZH = {
    "edu_abscond": "学校中途卷款跑路：同一学期在三种监管模式下同链并行对比",
    "edu_caps": "违反监管上限的订单被逐一拒绝，各有其因",
    "edu_dispute": "课时争议：争议课时的学费暂扣，直至监管部门裁决",
    "edu_refund_run": "挤兑退课：一则传言让 1,000 名家长在一小时内退课，全部成功退款",
    "edu_relocation": "学校提前 30 天公告搬迁；家长可提前退出，其余在搬迁时退款",
    "edu_term": "正常学期：每节课都上了，每节课的学费逐节拨付给学校",
    "edu_withdraw": "家长中途退学，未消费的余款立即退回",
    "redpacket_luohu_2020": "2020 年罗湖红包：抽签、在罗湖商户消费、到期回收",
    "redpacket_refund_after_expiry": "红包加自有资金的消费在到期后退款：自有资金退给买家，红包资金退给出资方",
    "redpacket_rules": "红包规则：红包资金不能做的事，逐一被拒绝或按规则处理",
    "wallet_tier_limit": "最低等级钱包试图预付 3,000 元：超出单笔限额被拒绝",
    "sme_special_funds": "深圳数字人民币专项资金：6.16 亿元分期拨付给 2,422 家中小企业，每期以核验的里程碑为准",
    "sme_relocation_clawback": "企业第三年迁离深圳，连本带息退还资助",
    "grant_purpose_binding": "专款专用：专项资金可付工资和房租，其他用途一律被拒，自有资金不受限制",
    "car_prepayment": "购车预付款锁定至交车，新能源汽车补贴在上牌后发放",
    "wage_passthrough": "工程工资经分包方穿透发放：分包方看得见工资，却挪不走",
}

PARAMS_ZH = {
    "start": "开始时间", "pupils": "学生人数", "classes": "班级数", "class_size": "每班人数", "lessons": "课时数",
    "fee_per_lesson_fen": "每课时学费", "lessons_per_week": "每周课时", "lessons_before_abscond": "跑路前已上课时",
    "phantom_lessons": "虚报课时", "deposit_share_bps": "保证金比例（基点）", "dispute_window_hours": "争议期（小时）",
    "refund_batch": "每笔退款交易的订单数", "parents": "家长人数", "lessons_before_rumour": "传言前已上课时",
    "run_minutes": "挤兑持续（分钟）", "lessons_before_withdrawal": "退学前已上课时",
    "lessons_before_notice": "公告前已上课时", "notice_days": "公告期（天）",
    "parents_leaving_early": "提前退出的家长", "first_lesson_after_days": "首课距开始（天）", "rules": "规则",
    "tier": "钱包等级", "upgrade_to": "升级到", "applicants": "申请人数", "packets": "红包个数",
    "packet_fen": "每个红包金额", "claims": "领取数", "payments": "支付笔数", "merchants": "商户数",
    "own_money_payers_share": "动用自有资金的比例", "own_money_spent_fen": "自有资金消费",
    "packet_money_spent_fen": "红包消费", "scale": "规模比例", "valid_from": "生效时间", "valid_until": "失效时间",
    "block_size": "每块交易数", "block_window_minutes": "出块时间窗（分钟）", "wallet_batch": "开户批量",
    "days_valid": "有效天数", "purchase_fen": "消费金额",
    # grants
    "firms": "企业数", "budget_fen": "预算", "tranche_split_pct": "各期占资助比例（%）",
    "days_to_milestone": "各里程碑距获批（天）", "size_spread_pct": "资助额上下浮动（%）",
    "missed_milestone_bps": "未达里程碑的企业比例（基点）", "spend_share_pct": "首期资金花掉的比例（%）",
    "payees_per_purpose": "每种用途的收款方数", "tranches_fen": "各期金额", "days_between_tranches": "每期间隔（天）",
    "spent_on_payroll_fen": "专项资金付工资", "spent_on_rent_fen": "专项资金付房租",
    "move_out_day": "首期拨付后第几天迁出", "interest_rate_bps": "年利率（基点）", "promise_years": "承诺留驻（年）",
    "firm_own_money_fen": "企业自有资金", "grant_fen": "资助金额", "own_money_fen": "企业自有资金",
    "payroll_fen": "工资", "rent_fen": "房租", "equipment_fen": "设备款（不属允许用途）",
    "allowed_purposes": "允许的用途", "cheating_firm": "有一家企业弄虚作假",
    # conditional payments
    "deposit_fen": "每辆车预付款", "delivery_days": "承诺交车期限（天）", "on_time_day": "按时交车在第几天",
    "subsidy_fen": "每辆车新能源补贴", "registration_days": "上牌核验期限（天）",
    "dispute_window_days": "异议后核验方决定期限（天）",
    # wages
    "workers": "工人数", "monthly_wage_fen": "月工资", "wage_spread_fen": "工资浮动", "months": "月数",
    "stalled_workers": "分包方拖着不发的工人数", "subcontractor_own_fen": "分包方自有资金",
}

TOTALS = {
    "issued_fen": ("issued by the bank", "银行发行"),
    "redeemed_fen": ("redeemed (cashed out)", "兑回（提现）"),
    "paid_in_fen": ("paid in by parents", "家长支付"),
    "released_fen": ("released to institutions", "拨付给机构"),
    "refunded_fen": ("refunded", "退款"),
    "locked_fen": ("still locked", "仍锁定"),
    "funded_fen": ("funded (red-packet budget)", "红包注资"),
    "claimed_fen": ("claimed by winners", "中签者领取"),
    "spent_from_packets_fen": ("spent from packets", "红包消费"),
    "own_money_spent_fen": ("buyers' own money spent", "买家自有资金消费"),
    "refunded_to_buyer_fen": ("refunded to buyers", "退还买家"),
    "returned_to_funder_fen": ("returned to the funder", "退回出资方"),
    "swept_fen": ("swept at expiry", "到期回收"),
    "swept_unclaimed_fen": ("swept: never claimed", "回收：未领取"),
    "swept_unspent_fen": ("swept: claimed but unspent", "回收：已领取未使用"),
    "packet_money_with_merchants_fen": ("packet money kept by merchants", "商户留存的红包资金"),
    "packet_money_unspent_fen": ("packet money still in packets", "仍在红包内的资金"),
    # grant programmes
    "budget_fen": ("grant budget (funded less taken back)", "专项资金预算（注资减收回）"),
    "paid_out_fen": ("tranches settled (paid to firms or withheld)", "已结算的分期资助（拨付或抵扣）"),
    "paid_to_firms_fen": ("grant money paid to firms", "拨付给企业的专项资金"),
    "unpaid_fen": ("budget not paid out", "未拨付的预算"),
    "cancelled_fen": ("tranches cancelled", "取消的分期资助"),
    "grant_spent_fen": ("grant money spent on allowed payees", "按规定用途付出的专项资金"),
    "grant_unspent_fen": ("grant money unspent in firms' wallets", "企业钱包中未用的专项资金"),
    "paid_with_own_money_fen": ("paid with the firm's own money", "企业用自有资金支付"),
    "principal_fen": ("clawed back: grant received", "追回：已收资助（本金）"),
    "interest_fen": ("clawed back: interest", "追回：利息"),
    "owed_fen": ("owed in all (grant received + interest)", "应退还合计（本金＋利息）"),
    "returned_unspent_fen": ("unspent grant money returned at once", "立即退回的未用专项资金"),
    "withheld_fen": ("later tranches withheld against debts", "抵扣欠款的后续分期"),
    "repaid_fen": ("repaid from firms' own money", "企业用自有资金归还"),
    "outstanding_fen": ("still owed", "仍欠"),
    "returned_on_close_fen": ("grant money returned when wallets closed", "钱包注销时退回的专项资金"),
    "credited_on_close_fen": ("of which credited against a later clawback", "其中抵扣后来追回款的部分"),
    "programme_balance_fen": ("left in the programme's budget", "专项资金预算余额"),
    # conditional payments
    "conditional_created_fen": ("locked in conditional payments", "条件支付锁定"),
    "conditional_released_fen": ("released to payees", "已付给收款人"),
    "conditional_returned_fen": ("returned to payers", "已退回付款人"),
    "conditional_pending_fen": ("still locked, undecided", "仍锁定、待决定"),
    # wages
    "wages_funded_fen": ("wages funded by the main contractor", "总包方拨付的工资"),
    "wages_paid_fen": ("wages paid to workers", "已发给工人的工资"),
    "wages_returned_fen": ("wages returned to the main contractor", "退回总包方的工资"),
    "wages_pending_fen": ("wages not yet paid", "尚未发放的工资"),
}

COUNTS = {
    "transactions": ("transactions", "交易"),
    "reverted": ("refused (reverted)", "被拒绝（回滚）"),
    "expected_refusals": ("refusals the scenario expected", "场景预期的拒绝"),
    "orders": ("orders", "订单"),
    "lessons_released": ("lessons paid out from escrow", "托管中拨付的课时"),
    "lessons_delivered_upfront": ("lessons delivered (paid up front)", "已交付课时（预付模式）"),
    "refunds": ("refunds", "退款笔数"),
    "claimed_packets": ("packets claimed", "领取的红包"),
    "payments": ("payments", "支付笔数"),
    "grants": ("grants", "资助笔数"),
    "tranches_paid": ("tranches paid", "已拨付的分期"),
    "milestones_missed": ("milestones missed", "未达成的里程碑"),
    "grant_payments": ("payments of grant money", "专项资金支付笔数"),
    "clawbacks": ("clawbacks", "追回笔数"),
    "conditional_payments": ("conditional payments", "条件支付笔数"),
    "conditional_disputes": ("disputed payments", "有异议的付款"),
    "pay_runs": ("pay runs", "工资批次"),
    "wages_paid": ("wages paid", "已发工资笔数"),
}

_LABEL_ZH = {"escrow": "按课时托管", "risk_deposit": "风险保证金", "unsupervised": "无监管", "risk deposit": "风险保证金",
             "packets": "红包", "grants": "专项资金", "conditional": "条件支付", "wages": "工资"}

INVARIANTS_ZH = {
    "money is conserved: supply = issued - redeemed": "货币守恒：总量 = 发行 − 兑回",
    "money is conserved: supply = sum of wallet balances": "货币守恒：总量 = 各钱包余额之和",
    "no parent got back more than they paid": "没有家长拿回的钱多于其所付",
    "escrow balance equals unconsumed fees": "托管余额等于未消费的学费",
    "every parent's wallet holds exactly the untaught lessons' fees": "每位家长的钱包恰好持有未上课时的学费",
    "nothing left locked after the refunds": "退款后没有资金仍被锁定",
    "paid in = released + refunded + still locked": "支付 = 拨付 + 退款 + 仍锁定",
    "parents lose nothing": "家长没有损失",
    "supervised balances add up to the escrow balance": "各机构监管余额之和等于托管余额",
    "parents lose the unconsumed fees less the deposit": "家长损失未消费学费减去保证金的部分",
    "the deposit was shared out, up to what was owed": "保证金已按所欠金额分给家长",
    "deposit held equals the orders' deposits": "持有的保证金等于各订单的保证金之和",
    "deposit locked = released + shared out + still held": "锁定的保证金 = 释放 + 分配 + 仍持有",
    "supervised balances add up to the deposit held": "各机构监管余额之和等于持有的保证金",
    "parents lose every unconsumed fen": "家长损失全部未消费的学费",
    "every fen of packet money is with a merchant, back with the funder or still in a packet":
        "每一分红包资金要么在商户、要么已退回出资方、要么仍在红包内",
    "merchants hold exactly what buyers paid them, less refunds": "商户持有的恰为买家所付金额减去退款",
    "event totals agree with the campaign contracts' own totals": "事件合计与活动合约自身的合计一致",
    "after the sweep no packet money is left in any wallet": "回收后任何钱包中都没有剩余红包资金",
    "Alice's refunded lesson stays hers": "Alice 被退回的课时费归她所有",
    "a disputed lesson is held past its window": "有争议的课时在争议期后仍被暂扣",
    "a rejected dispute releases the lesson to the school": "争议被驳回后，该课时费拨付给学校",
    "an upheld dispute refunds the lesson to the parent": "争议成立后，该课时费退还家长",
    "claimed packets as published (scaled)": "领取红包数与公布数据一致（按比例）",
    "closing a wallet returned its packet to the funder": "注销钱包时红包退回出资方",
    "early leavers got every unused lesson back": "提前退出者拿回了全部未上课时的费用",
    "every cancellation refunded exactly the unused lessons": "每次退课恰好退还未上课时的费用",
    "every cap refused its order": "每项上限都拒绝了违规订单",
    "every order completed": "所有订单均已完成",
    "nothing left locked": "没有资金仍被锁定",
    "nothing was locked by the refused payment": "被拒绝的支付没有锁定任何资金",
    "only the compliant orders locked money": "只有合规订单锁定了资金",
    "order is cancelled": "订单已取消",
    "own money spent as published (scaled)": "自有资金消费与公布数据一致（按比例）",
    "own money went back to the buyer": "自有资金退回买家",
    "packet money spent as published (scaled)": "红包消费与公布数据一致（按比例）",
    "packet money went to the funder": "红包资金退回出资方",
    "payments as published (scaled)": "支付笔数与公布数据一致（按比例）",
    "refund equals the unused lessons' fees": "退款等于未上课时的费用",
    "school keeps exactly the delivered lessons' fees": "学校恰好留下已上课时的费用",
    "school received every lesson's fee": "学校收到了每节课的学费",
    "swept = budget - packet money spent": "回收金额 = 预算 − 红包消费",
    "swept unclaimed = unclaimed packets x denomination": "回收的未领取金额 = 未领取红包数 × 面额",
    "the Futian merchant holds only own money": "福田商户只持有自有资金部分",
    "the buyer's refunded money is free to spend": "退还买家的钱可以自由使用",
    "the enrolment after the upgrade locked the whole fee": "升级后的报名锁定了全部学费",
    "the funder got every unspent fen back": "出资方拿回了每一分未使用的资金",
    "the others got every untaught lesson back": "其余家长拿回了全部未上课时的费用",
    "the school kept exactly the delivered lessons": "学校恰好保留了已上课时的费用",
    "the school was paid for exactly the lessons not refunded": "学校恰好收到未退款课时的费用",
    "the sweep took back exactly the unspent packets": "回收恰好收回了未使用的红包",
    "expected_refusals_happened": "预期的拒绝都发生了",
    # grant programmes (also "grants: ..." for the programme-wide checks)
    "paid out = budget - unpaid": "已结算 = 预算 − 未拨付",
    "owed = principal + interest = returned on close before the clawback + returned unspent + repaid + withheld "
    "+ outstanding": "应退还 = 本金 + 利息 = 追回前注销钱包时已退回 + 立即退回的未用资金 + 归还 + 抵扣 + 仍欠",
    "programme balance = budget - paid out + returned unspent + repaid + withheld + returned on close":
        "预算余额 = 预算 − 已结算 + 立即退回的未用资金 + 归还 + 抵扣 + 注销时退回",
    "grant money paid to firms is spent, unspent, or back in the programme":
        "拨付给企业的专项资金要么已按用途付出，要么尚未使用，要么已退回专项资金",
    "each clawback's interest is floor(amount x rate x days / (10,000 x 365)) per payment":
        "每笔追回的利息按每次拨付单独计算：金额 × 年利率 × 天数 ÷ (10,000 × 365)，向下取整",
    "grant money reached only payees of allowed purposes": "专项资金只付给了允许用途的收款方",
    "grant money reached only payees registered for an allowed purpose at the time":
        "专项资金只付给了付款时登记为允许用途的收款方",
    "paid out = budget - unpaid (unpaid read from the grants' tranche records)":
        "已结算 = 预算 − 未拨付（未拨付按各笔资助的分期记录计算）",
    "the token moved exactly the tranches paid into firms' wallets, and exactly the returns and repayments back":
        "数字人民币系统转入企业钱包的恰为已拨付的分期，转回的恰为退回和归还的金额",
    "every firm that met its milestones received its whole grant": "每家达成全部里程碑的企业都拿到了全部资助",
    "unpaid budget is exactly the cancelled tranches": "未拨付的预算恰好等于取消的分期资助",
    "the budget holds exactly the cancelled tranches and what a cheat paid back":
        "预算余额恰好等于取消的分期资助加上弄虚作假企业退还的钱",
    "the cheat owes exactly what it received plus interest, and repaid all of it":
        "弄虚作假的企业应退还的恰为已收资助加利息，并已全部还清",
    "interest equals the per-payment formula worked by hand": "利息与按每次拨付手工计算的结果一致",
    "principal is what the firm received": "本金等于企业收到的资助",
    "owed = returned unspent + withheld + repaid": "应退还 = 立即退回的未用资金 + 抵扣 + 归还",
    "the grant is settled with nothing outstanding": "资助已结清，没有欠款",
    "the firm keeps no grant money": "企业手中不再有专项资金",
    "grant money left is the grant less payroll and rent": "剩余专项资金等于资助减去工资和房租",
    "the equipment dealer received only the firm's own money": "设备经销商只收到了企业的自有资金",
    "the firm's own money is free and reduced only by the lathe": "企业的自有资金可以自由使用，只因买车床而减少",
    "the unregistered wallet received nothing": "未登记的钱包没有收到任何钱",
    # conditional payments (also "conditional: ...")
    "created = released + returned + still pending": "设立 = 已付出 + 已退回 + 仍待决定",
    "money held equals the undecided payments": "锁定的钱等于尚未决定的付款",
    "the token locked, released and returned exactly what the payments say": "数字人民币系统锁定、付出和退回的金额与各笔付款记录完全一致",
    "each registered owner received the subsidy": "每位上了牌的车主都拿到了补贴",
    "every deposit and subsidy is decided": "每笔预付款和补贴都已有结果",
    "the dealer received the two delivered cars' deposits": "经销商收到了两辆已交付汽车的预付款",
    "the late car's buyer has the whole deposit back, free to spend": "车辆延误的买家拿回了全部预付款，可以自由使用",
    # wages (also "wages: ...")
    "funded = paid + returned + still pending": "拨付 = 已发放 + 已退回 + 尚未发放",
    "every pay run's listed wages add up to its total": "每批名单上的工资加起来等于该批总额",
    "each worker received from the subcontractor's wallet exactly the wages listed for them, and nobody else received any":
        "每名工人从分包方钱包恰好领到名单上的工资，名单外的人分文未得",
    "the token moved each pay run's total into the subcontractor's wallet": "数字人民币系统把每批工资总额转入了分包方的钱包",
    "every wage paid went to the worker it was listed for, in its listed amount": "每笔工资都按名单金额发给了名单上的工人",
    "every worker received exactly their listed wages": "每名工人恰好拿到名单上的工资",
    "no wages are left in the subcontractor's wallet": "分包方的钱包里没有剩下的工资",
    "the crony received nothing": "分包方的亲信什么也没拿到",
    "a wage for someone off the payroll is passed over, nothing paid": "给工资名单以外的人发薪被跳过，分文未付",
    "the subcontractor's own money is untouched": "分包方的自有资金原封未动",
}


class Text:
    """Words of one language; a missing key falls back to English, then to the key itself."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")
        self.lang = lang
        self.words = dict(EN)
        if lang == "zh":
            self.words.update(ZH)

    def __getitem__(self, key: str) -> str:
        return self.words.get(key, EN.get(key, key))

    def get(self, key: str, default: str) -> str:
        return self.words.get(key, default)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    # -- amounts and times
    def money(self, fen: int) -> str:
        """In sentences: ¥1,200 in English, 1,200 元 in Chinese."""
        if not self.zh:
            return fmt_fen(fen)
        return fmt_fen(fen).replace("¥", "") + " 元"

    def time(self, ts: int | None, seconds: bool = False) -> str:
        if ts is None:
            return "—"
        text = format_beijing(ts).removesuffix(" CST")
        return text if seconds else text[:-3]

    # -- domain words
    def title(self, scenario: str, english: str) -> str:
        return TITLES_ZH.get(scenario, english) if self.zh else english

    def param(self, key: str) -> str:
        return f"{PARAMS_ZH[key]}（{key}）" if self.zh and key in PARAMS_ZH else key

    def total(self, key: str) -> str:
        en, zh = TOTALS.get(key, (key.removesuffix("_fen").replace("_", " "), None))
        return (zh or en) if self.zh else en

    def count(self, key: str) -> str:
        en, zh = COUNTS.get(key, (key.replace("_", " "), None))
        return (zh or en) if self.zh else en

    def group(self, group: str) -> str:
        return self.get(f"group_{group}", group)

    def model(self, label: str) -> str:
        return self.get(f"model_{label}", label)

    def outcome(self, outcome: str) -> str:
        return self.get(f"outcome_word_{outcome}", outcome)

    def invariant(self, name: str) -> str:
        if not self.zh:
            return name
        if name in INVARIANTS_ZH:
            return INVARIANTS_ZH[name]
        prefix, sep, rest = name.partition(": ")
        if sep and rest in INVARIANTS_ZH:
            return f"{_LABEL_ZH.get(prefix, prefix)}：{INVARIANTS_ZH[rest]}"
        return name

    def alert(self, alert: dict[str, Any]) -> tuple[str, str]:
        """(kind in words, what happened in one sentence)."""
        kind = str(alert.get("kind", ""))
        words = self.get(f"alert_{kind}", kind.replace("_", " "))
        if not self.zh:
            return words, str(alert.get("message", ""))
        subject, value, threshold = alert.get("subject", ""), alert.get("value"), alert.get("threshold")
        try:
            if kind == "cancellation_wave":
                return words, f"{subject} 在短时间内被取消的订单占其订单的 {value:.0%}，超过阈值 {threshold:.0%}"
            if kind == "supervised_balance_high":
                return words, (f"{subject} 的监管资金达到 {self.money(int(value))}，超过 {self.money(int(threshold))}："
                               "须交由银行存管")
            if kind == "course_oversold":
                return words, f"{subject}：售出 {value} 节课，但到结课前最多只能上约 {threshold} 节"
            if kind == "campaign_unspent_near_expiry":
                return words, f"活动 {subject} 即将到期，仍有 {value:.0%} 的资金未使用（阈值 {threshold:.0%}）"
            if kind == "grant_debt_outstanding":
                return words, f"{subject} 被追回后，未用资金不足以抵偿，仍欠 {self.money(int(value))}"
            if kind == "milestones_missed":
                return words, f"专项资金 {subject} 有 {value:.0%} 的企业未达成节点（阈值 {threshold:.0%}）"
            if kind == "conditional_payment_disputed":
                return words, f"{subject} 有争议：核验方须在 {int(value) // 86400} 天内作出决定，否则款项退回付款方"
        except (TypeError, ValueError):
            pass
        return words, str(alert.get("message", ""))


__all__ = ["LANGS", "Text", "TOTALS", "COUNTS", "TITLES_ZH", "INVARIANTS_ZH"]
