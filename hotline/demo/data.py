"""Demo data for the Linfen business-environment hotline (临汾营商环境投诉举报监督专线).

Pure data: frozen dataclasses in tuples, standard library only, nothing imported from the app.
A seed command loads it idempotently, keyed by each record's natural key (``code`` for
districts, departments, categories and routing rules; ``username`` for users; ``key`` for
tickets), so running the seed twice changes nothing.

Tables, in load order:

``DISTRICTS``
    Linfen's 17 county-level divisions plus the economic development zone (18 rows).
``DEPARTMENTS``
    The hotline centre, the city departments, the power company, the discipline commission,
    the development zone's committee and the 17 county governments. ``kind`` is one of
    ``DEPARTMENT_KINDS``; ``district_code`` is None for a city-wide body.
``CATEGORIES``
    The 15 default categories of DOMAIN.md, in its order. ``departments`` lists the default
    departments, the lead (主办) first and co-handlers (协办) after it. Misconduct categories
    (``is_misconduct``) default to a confidential report (举报) for the discipline commission.
``ROUTING_RULES``
    The admin-editable keyword table: if a ticket's subject or description contains any of a
    rule's keywords, the rule proposes its department. Among matching rules the highest
    ``priority`` wins; on a tie, the one listed first.
``DEMO_USERS``
    One user per role (plus two more handlers for joint-handling demos), all with the password
    ``DEMO_PASSWORD``. ``department_code`` is set for handlers only. ``locale`` is "zh" or "en".
``DEMO_TICKETS``
    Realistic tickets in order of receipt (``days_ago`` never increases down the list). A seed
    pushes each through the real intake service, received ``days_ago`` days before now, then
    plays its ``story`` (see ``STORIES``) through the real services. ``departments`` None means
    "accept what the system proposes" (routing rules, then the category's defaults); a tuple
    is the operator's override, lead first. ``category_code`` is None only for an inquiry or a
    suggestion that fits no category.

Repeat chains (屡诉督办): ``repeat_of`` names the key of an earlier ticket of the same matter
(same enterprise and caller phone, similar text), which the operator confirms at intake;
``new_facts`` says whether the caller brought anything new. The seed replays tickets in list
order and plays each story right after its intake, with one exception: a ticket that a later
no-new-facts repeat merges into (并单) has its story played right after that repeat's intake,
so the earlier ticket is still open when the repeat arrives and closed before the next one.

Phone numbers are fictitious (mobiles with "0000" in the middle, landlines 0357-5550xxx);
enterprises are invented; credit codes are valid by GB 32100-2015 but belong to no one.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "hotline-demo"

DEPARTMENT_KINDS = (
    "city_department",
    "county",
    "development_zone",
    "discipline_commission",
    "public_utility",
    "hotline_centre",
)

#: What each ticket's story leaves on screen after the seed has played it.
STORIES = (
    ("new", "dispatched to its department(s), nothing more"),
    ("signed", "signed for (签收) by every assigned department"),
    ("contacted", "signed for and the caller contacted (响应)"),
    ("submitted", "every department has submitted its reply (办结); not yet resolved"),
    ("resolved_awaiting_callback", "resolved; the operator's callback (回访) is due"),
    ("closed_satisfied", "callback reached: solved and satisfied; ticket closed"),
    ("reopened_unsatisfied", "callback reached: not solved, unsatisfied; reopened, supervised"),
    ("returned", "returned (退单) with grounds by a misrouted department; awaits re-dispatch"),
    ("overdue", "signed and contacted but not submitted; its resolution limit has passed"),
    ("answered", "inquiry answered on the spot (直办); never dispatched"),
    ("merged", "repeat with no new facts while the earlier ticket is open; merged (并单)"),
)


@dataclass(frozen=True)
class District:
    """A county-level division (县级行政区) of the demo city."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Department:
    """A body that handles tickets (承办单位)."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    district_code: str | None = None


@dataclass(frozen=True)
class Category:
    """A default complaint category (诉求分类) with its default departments, lead first."""

    code: str
    name_zh: str
    name_en: str
    is_misconduct: bool
    default_kind: str
    departments: tuple[str, ...]
    keywords: tuple[str, ...]
    description_zh: str


@dataclass(frozen=True)
class RoutingRule:
    """A keyword rule of the routing table (派单规则)."""

    code: str
    keywords: tuple[str, ...]
    department_code: str
    priority: int


@dataclass(frozen=True)
class DemoUser:
    """A demo login; ``department_code`` only for handlers."""

    username: str
    display_name: str
    role: str
    department_code: str | None
    locale: str


@dataclass(frozen=True, kw_only=True)
class DemoTicket:
    """A demo ticket (工单) as an operator enters it, plus the story the seed plays for it."""

    key: str
    days_ago: int
    channel: str
    kind: str
    category_code: str | None
    subject: str
    description: str
    caller_name: str
    caller_phone: str
    enterprise_name: str | None = None
    credit_code: str | None = None
    district_code: str
    respondent: str | None = None  # 被反映单位: a department code the caller complains about
    urgency: str = "normal"
    confidential: bool = False
    answered_on_spot: bool = False
    answer: str | None = None
    departments: tuple[str, ...] | None = None
    repeat_of: str | None = None
    new_facts: bool = False
    story: str


DISTRICTS = (
    District("yaodu", "尧都区", "Yaodu District"),
    District("houma", "侯马市", "Houma City"),
    District("huozhou", "霍州市", "Huozhou City"),
    District("quwo", "曲沃县", "Quwo County"),
    District("yicheng", "翼城县", "Yicheng County"),
    District("xiangfen", "襄汾县", "Xiangfen County"),
    District("hongtong", "洪洞县", "Hongtong County"),
    District("guxian", "古县", "Gu County"),
    District("anze", "安泽县", "Anze County"),
    District("fushan", "浮山县", "Fushan County"),
    District("jixian", "吉县", "Ji County"),
    District("xiangning", "乡宁县", "Xiangning County"),
    District("daning", "大宁县", "Daning County"),
    District("xixian", "隰县", "Xi County"),
    District("yonghe", "永和县", "Yonghe County"),
    District("puxian", "蒲县", "Pu County"),
    District("fenxi", "汾西县", "Fenxi County"),
    District("kaifaqu", "临汾经济开发区", "Linfen Economic Development Zone"),
)

_CITY = "city_department"

DEPARTMENTS = (
    Department(
        "centre",
        "市营商环境投诉举报监督中心",
        "Linfen Business Environment Complaint and Reporting Supervision Centre",
        "hotline_centre",
    ),
    Department("approval", "市行政审批服务管理局", "Linfen Administrative Approval Service Bureau", _CITY),
    Department("investment", "市促进外来投资局", "Linfen Bureau for Promoting Inbound Investment", _CITY),
    Department("ndrc", "市发展和改革委员会", "Linfen Development and Reform Commission", _CITY),
    Department(
        "industry", "市工业和信息化局", "Linfen Bureau of Industry and Information Technology", _CITY
    ),
    Department("finance", "市财政局", "Linfen Finance Bureau", _CITY),
    Department(
        "natural_resources", "市自然资源和规划局", "Linfen Bureau of Natural Resources and Planning", _CITY
    ),
    Department(
        "housing", "市住房和城乡建设局", "Linfen Bureau of Housing and Urban-Rural Development", _CITY
    ),
    Department("market", "市市场监督管理局", "Linfen Administration for Market Regulation", _CITY),
    Department("ecology", "市生态环境局", "Linfen Bureau of Ecology and Environment", _CITY),
    Department(
        "hrss", "市人力资源和社会保障局", "Linfen Bureau of Human Resources and Social Security", _CITY
    ),
    Department("tax", "国家税务总局临汾市税务局", "Linfen Tax Service, State Taxation Administration", _CITY),
    Department("water", "市水务局", "Linfen Water Affairs Bureau", _CITY),
    Department("power", "国网临汾供电公司", "State Grid Linfen Power Supply Company", "public_utility"),
    Department("finance_regulator", "市地方金融监管局", "Linfen Local Financial Regulatory Bureau", _CITY),
    Department("justice", "市司法局", "Linfen Justice Bureau", _CITY),
    Department(
        "discipline",
        "市纪委监委",
        "Linfen Commission for Discipline Inspection and Supervision",
        "discipline_commission",
    ),
    Department(
        "devzone",
        "临汾经济开发区管委会",
        "Linfen Economic Development Zone Administrative Committee",
        "development_zone",
        "kaifaqu",
    ),
    Department(
        "inspection",
        "市政府办公室督查室",
        "Inspection Office, General Office of Linfen Municipal Government",
        _CITY,
    ),
    Department(
        "bizenv_office", "市营商环境建设办公室", "Linfen Business Environment Development Office", _CITY
    ),
    Department("yaodu_gov", "尧都区人民政府", "Yaodu District People's Government", "county", "yaodu"),
    Department("houma_gov", "侯马市人民政府", "Houma Municipal People's Government", "county", "houma"),
    Department(
        "huozhou_gov", "霍州市人民政府", "Huozhou Municipal People's Government", "county", "huozhou"
    ),
    Department("quwo_gov", "曲沃县人民政府", "Quwo County People's Government", "county", "quwo"),
    Department("yicheng_gov", "翼城县人民政府", "Yicheng County People's Government", "county", "yicheng"),
    Department(
        "xiangfen_gov", "襄汾县人民政府", "Xiangfen County People's Government", "county", "xiangfen"
    ),
    Department(
        "hongtong_gov", "洪洞县人民政府", "Hongtong County People's Government", "county", "hongtong"
    ),
    Department("guxian_gov", "古县人民政府", "Gu County People's Government", "county", "guxian"),
    Department("anze_gov", "安泽县人民政府", "Anze County People's Government", "county", "anze"),
    Department("fushan_gov", "浮山县人民政府", "Fushan County People's Government", "county", "fushan"),
    Department("jixian_gov", "吉县人民政府", "Ji County People's Government", "county", "jixian"),
    Department(
        "xiangning_gov", "乡宁县人民政府", "Xiangning County People's Government", "county", "xiangning"
    ),
    Department("daning_gov", "大宁县人民政府", "Daning County People's Government", "county", "daning"),
    Department("xixian_gov", "隰县人民政府", "Xi County People's Government", "county", "xixian"),
    Department("yonghe_gov", "永和县人民政府", "Yonghe County People's Government", "county", "yonghe"),
    Department("puxian_gov", "蒲县人民政府", "Pu County People's Government", "county", "puxian"),
    Department("fenxi_gov", "汾西县人民政府", "Fenxi County People's Government", "county", "fenxi"),
)

CATEGORIES = (
    Category(
        "refusal",
        "不予受理",
        "Refusal to accept an application",
        False,
        "complaint",
        # Government-service windows work under the approval bureau.
        ("approval",),
        ("不受理", "拒收", "不给办", "窗口不收", "退回材料"),
        "符合条件的申请材料被窗口或部门拒收、不予受理，或不出具受理凭证。",
    ),
    Category(
        "extra_steps",
        "增设环节、提高门槛",
        "Extra steps or raised thresholds",
        False,
        "complaint",
        # The approval bureau owns the published lists of steps and materials.
        ("approval",),
        ("清单外", "额外材料", "开证明", "多跑", "门槛", "前置条件"),
        "在法定和公布的条件之外增加办事环节、材料、证明，或者提高准入门槛。",
    ),
    Category(
        "deadline_missed",
        "超时限办理",
        "Missed statutory or promised deadlines",
        False,
        "complaint",
        # Most time-limited matters pass through the approval bureau; routing refines it.
        ("approval",),
        ("超时", "逾期", "超期", "拖延", "迟迟不办", "承诺时限"),
        "超出法定时限或承诺时限仍未办结，且未向企业说明理由。",
    ),
    Category(
        "buck_passing",
        "推诿扯皮、刁难",
        "Buck-passing or obstruction",
        False,
        "complaint",
        # Disputes between departments go to the office that coordinates them.
        ("bizenv_office",),
        ("推诿", "扯皮", "踢皮球", "互相推", "刁难", "来回跑"),
        "部门之间或部门内部互相推诿扯皮，或故意刁难办事的企业和群众。",
    ),
    Category(
        "bribery",
        "吃拿卡要",
        "Bribe-seeking (吃拿卡要)",
        True,
        "report",
        # An official's own misconduct: the discipline commission alone, confidential.
        ("discipline",),
        ("吃拿卡要", "索要", "好处费", "吃请", "购物卡", "红包"),
        "工作人员利用职务便利索要、收受财物，或者接受吃请。",
    ),
    Category(
        "arbitrary_fees",
        "乱收费、乱罚款、乱摊派",
        "Arbitrary fees, fines or levies",
        False,
        "complaint",
        # A complaint against the body that charged: it answers (name it as the respondent);
        # market regulation is the fallback and co-handles price matters by keyword.
        ("market",),
        ("乱收费", "乱罚款", "摊派", "收费", "罚款", "退费"),
        "违规收费、罚款、摊派，或者超标准、超范围收费。由收费单位答复，价格问题由市场监管部门协办。",
    ),
    Category(
        "private_gain",
        "谋取私利",
        "Seeking private gain",
        True,
        "report",
        # Misconduct by officials: the discipline commission alone.
        ("discipline",),
        ("谋私", "谋取私利", "利益输送", "亲属经营", "回扣"),
        "利用职权或者职务影响为本人、亲友或特定关系人谋取私利。",
    ),
    Category(
        "rough_enforcement",
        "粗暴执法",
        "Rough enforcement",
        False,
        "complaint",
        # The justice bureau supervises administrative law enforcement (行政执法监督).
        ("justice",),
        ("粗暴执法", "态度恶劣", "未出示证件", "强行扣押", "随意查封", "一刀切"),
        "执法中态度粗暴、程序违法，随意查封扣押或者搞“一刀切”。",
    ),
    Category(
        "leak_secrets",
        "泄露商业秘密、隐私",
        "Leaking trade secrets or privacy",
        True,
        "report",
        # Misconduct by officials: the discipline commission alone.
        ("discipline",),
        ("泄露", "泄密", "商业秘密", "个人信息", "举报人信息"),
        "泄露企业办事时提交的商业秘密、个人隐私或者投诉举报人的信息。",
    ),
    Category(
        "retaliation",
        "打击报复",
        "Retaliation against complainants",
        True,
        "report",
        # Misconduct by officials: the discipline commission alone.
        ("discipline",),
        ("打击报复", "报复", "穿小鞋", "频繁检查", "投诉后"),
        "对投诉举报的企业或个人进行报复性检查、刁难或者其他打击报复。",
    ),
    Category(
        "unpaid_debts",
        "拖欠企业账款",
        "Unpaid government debts to enterprises",
        False,
        "complaint",
        # Finance pays; the industry bureau runs the clearing of arrears to SMEs (清欠).
        ("finance", "industry"),
        ("拖欠", "欠款", "工程款", "货款", "账款", "质保金"),
        "机关、事业单位或国有企业拖欠企业的货物、工程、服务款项。",
    ),
    Category(
        "policy_unfulfilled",
        "政策不兑现",
        "Broken policy promises",
        False,
        "complaint",
        # Most broken promises are investment-agreement incentives; finance co-handles payment.
        ("investment", "finance"),
        ("不兑现", "补助", "奖补", "招商承诺", "投资协议", "优惠政策"),
        "政府及其部门承诺的优惠政策、奖补资金或招商引资协议约定事项没有兑现。",
    ),
    Category(
        "designated_intermediary",
        "指定中介",
        "Designated intermediaries",
        False,
        "complaint",
        # The approval bureau runs the intermediary marketplace; market regulation polices fees.
        ("approval", "market"),
        ("指定中介", "指定机构", "中介", "评估报告", "检测机构", "红顶中介"),
        "要求企业委托指定的中介服务机构，或者把中介服务作为办事的前置条件。",
    ),
    Category(
        "factor_supply",
        "要素保障",
        "Factor supply: land, water, power, gas, finance",
        False,
        "complaint",
        # The NDRC coordinates factor supply; routing rules send power, water, land, gas and
        # credit matters straight to their own department.
        ("ndrc",),
        ("用地", "用水", "用电", "用气", "融资", "增容", "接电"),
        "企业在用地、用水、用电、用气、融资等生产要素方面得不到及时保障。",
    ),
    Category(
        "inaction",
        "不作为、慢作为、乱作为",
        "Other inaction, slowness or misconduct",
        False,
        "complaint",
        # The government inspection office follows up whatever fits no other category.
        ("inspection",),
        ("不作为", "慢作为", "乱作为", "没人管", "不回复", "石沉大海"),
        "其他不作为、慢作为、乱作为，损害企业合法权益的行为。",
    ),
)

ROUTING_RULES = (
    RoutingRule(
        "misconduct",
        ("索要", "好处费", "回扣", "购物卡", "吃请", "打击报复", "谋取私利", "泄露", "泄密"),
        "discipline",
        200,
    ),
    RoutingRule("power", ("供电", "停电", "电力增容", "增容", "接电", "变压器"), "power", 100),
    RoutingRule("water", ("用水", "供水", "停水", "取水许可", "排水"), "water", 100),
    RoutingRule("gas", ("燃气", "天然气", "供气"), "housing", 100),
    RoutingRule("land", ("土地", "用地", "规划许可", "不动产登记", "不动产权"), "natural_resources", 100),
    RoutingRule("construction", ("施工许可", "竣工验收", "消防验收", "施工图"), "housing", 90),
    RoutingRule("environment", ("环评", "排污许可", "环保检查", "限产"), "ecology", 90),
    RoutingRule("tax", ("发票", "退税", "纳税", "税务", "留抵"), "tax", 90),
    RoutingRule("social_insurance", ("社保", "养老保险", "工资", "用工", "招工"), "hrss", 90),
    RoutingRule("business_licence", ("营业执照", "注册登记", "变更登记", "经营异常"), "market", 80),
    RoutingRule("credit", ("贷款", "融资", "贴息", "续贷", "抽贷", "担保"), "finance_regulator", 80),
    RoutingRule("price", ("收费标准", "乱收费", "多收费", "重复收费", "明码标价", "价格"), "market", 75),
    RoutingRule("arrears", ("工程款", "货款", "拖欠", "欠款"), "finance", 70),
    RoutingRule("investment", ("招商引资", "投资协议", "项目落地"), "investment", 70),
    RoutingRule("industry", ("技改", "技术改造", "焦化", "专精特新"), "industry", 60),
    RoutingRule("project_filing", ("项目备案", "项目核准", "能耗", "节能审查"), "ndrc", 60),
    RoutingRule("devzone", ("开发区", "经开区"), "devzone", 50),
    RoutingRule("approval", ("审批", "许可证", "政务服务", "办事大厅"), "approval", 10),
)

DEMO_USERS = (
    DemoUser("admin", "系统管理员", "admin", None, "en"),
    DemoUser("operator", "王丽", "operator", None, "zh"),
    DemoUser("supervisor", "李强", "supervisor", None, "zh"),
    DemoUser("handler", "张伟", "handler", "devzone", "zh"),
    DemoUser("handler2", "陈静", "handler", "finance_regulator", "zh"),
    DemoUser("handler3", "刘洋", "handler", "approval", "zh"),
)

DEMO_TICKETS = (
    DemoTicket(
        key="houma-subsidy-1",
        days_ago=50,
        channel="phone",
        kind="complaint",
        category_code="policy_unfulfilled",
        subject="招商引资协议约定的设备投资补助未兑现",
        description=(
            "来电人系侯马市晋通达物流有限公司负责人，公司前年与侯马市签订招商引资协议，约定项目投产后"
            "给予设备投资补助120万元。项目去年3月已投产，企业按要求提交了全部申报材料，补助至今未兑现，"
            "多次询问均答复“正在走程序”。请求督促兑现协议承诺。"
        ),
        caller_name="杨国栋",
        caller_phone="13700001004",
        enterprise_name="侯马市晋通达物流有限公司",
        credit_code="91141081MA0K5P1D3Y",
        district_code="houma",
        departments=("houma_gov",),
        # Still open when the next call comes in: the seed plays this story after that one.
        story="closed_satisfied",
    ),
    DemoTicket(
        key="houma-subsidy-2",
        days_ago=47,
        channel="12345",
        kind="complaint",
        category_code="policy_unfulfilled",
        subject="催问设备投资补助兑现进展",
        description=(
            "12345热线转来：来电人再次反映侯马市晋通达物流有限公司招商引资设备投资补助未兑现一事，"
            "与前次反映内容相同，未提供新的情况。来电人询问办理进展，希望尽快有结果。"
        ),
        caller_name="杨国栋",
        caller_phone="13700001004",
        enterprise_name="侯马市晋通达物流有限公司",
        credit_code="91141081MA0K5P1D3Y",
        district_code="houma",
        repeat_of="houma-subsidy-1",
        new_facts=False,
        story="merged",
    ),
    DemoTicket(
        key="jewellery-plant-finance",
        days_ago=45,
        channel="phone",
        kind="help",
        category_code="factor_supply",
        subject="珠宝加工企业扩产急需厂房和流动资金",
        description=(
            "来电人系临汾市华晟珠宝有限公司负责人，企业在开发区从事黄金珠宝首饰加工，近一年订单增长较快，"
            "现租用的800平方米厂房已无法满足扩产需要，希望在开发区内租用约2000平方米的标准化厂房。"
            "企业采购原料还有约500万元流动资金缺口，此前向两家银行申请贷款均未获批。"
            "请求开发区管委会协调厂房，金融监管部门帮助对接银行融资。"
        ),
        caller_name="孙晓燕",
        caller_phone="13900001001",
        enterprise_name="临汾市华晟珠宝有限公司",
        credit_code="91141000MA0HJ4K20C",
        district_code="kaifaqu",
        # No override: the place leads (the development zone), the credit need adds finance regulation.
        story="closed_satisfied",
    ),
    DemoTicket(
        key="suggestion-hall-hours",
        days_ago=40,
        channel="web",
        kind="suggestion",
        category_code=None,
        subject="建议政务服务大厅中午和周六延时服务",
        description=(
            "来电人系临汾市平阳会计服务有限公司负责人，经常代企业到政务服务大厅办事。"
            "建议大厅在中午和周六开设“不打烊”窗口，方便上班族和外地企业办事。"
        ),
        caller_name="乔卫东",
        caller_phone="0357-5550132",
        enterprise_name="临汾市平阳会计服务有限公司",
        district_code="yaodu",
        departments=("approval",),
        story="closed_satisfied",
    ),
    DemoTicket(
        key="yaodu-invoice-quota",
        days_ago=35,
        channel="web",
        kind="complaint",
        category_code="deadline_missed",
        subject="申请调整发票开票额度半个月无人答复",
        description=(
            "来电人系临汾市尧都区星辰商贸有限公司财务人员，企业业务量增加，需要调整数电发票开票额度，"
            "半个月前已在电子税务局提交申请，一直显示“审核中”，打电话询问也没有明确答复。"
            "目前开票额度已经用完，影响与客户结算，请求尽快处理。"
        ),
        caller_name="田甜",
        caller_phone="13800001030",
        enterprise_name="临汾市尧都区星辰商贸有限公司",
        credit_code="91141002MA0NT2W80Y",
        district_code="yaodu",
        story="closed_satisfied",
    ),
    DemoTicket(
        key="yicheng-road-arrears",
        days_ago=30,
        channel="phone",
        kind="complaint",
        category_code="unpaid_debts",
        subject="乡村道路工程款两年多未结清",
        description=(
            "来电人系翼城县通达路桥工程有限公司负责人，公司前年承建县里的乡村道路工程，已通过竣工验收和审计，"
            "审定金额860万元，目前尚欠286万元。企业多次到县里催要，均答复“财政紧张，等资金到位”，"
            "现在资金周转十分困难，请求协调尽快支付欠款。"
        ),
        caller_name="段志强",
        caller_phone="13900001017",
        enterprise_name="翼城县通达路桥工程有限公司",
        credit_code="91141022MA0GB3X691",
        district_code="yicheng",
        # Joint: the county owes the money; city finance co-handles.
        departments=("yicheng_gov", "finance"),
        story="reopened_unsatisfied",
    ),
    DemoTicket(
        key="inquiry-arrears-channels",
        days_ago=26,
        channel="phone",
        kind="inquiry",
        category_code="unpaid_debts",
        subject="咨询被拖欠账款可以通过哪些渠道反映",
        description=(
            "来电人系浮山县瑞丰建筑安装有限公司负责人，企业有一笔工程款被机关事业单位拖欠。"
            "来电人咨询除本专线外还有哪些渠道可以登记反映，需要准备哪些材料。"
        ),
        caller_name="许建军",
        caller_phone="18300001015",
        enterprise_name="浮山县瑞丰建筑安装有限公司",
        district_code="fushan",
        answered_on_spot=True,
        answer=(
            "已告知：可直接通过本专线投诉，也可在工业和信息化部“违约拖欠中小企业款项登记（投诉）平台”登记，"
            "需准备合同、验收或结算材料以及催款记录等。来电人表示先整理材料，再决定是否正式投诉。"
        ),
        story="answered",
    ),
    DemoTicket(
        key="xiangfen-leaked-quote",
        days_ago=25,
        channel="email",
        kind="report",
        category_code="leak_secrets",
        subject="报送的技改方案和报价被竞争对手获知",
        description=(
            "来信人反映，企业上月向县里某部门报送技改项目申报材料，其中包含设备清单和报价等商业信息。"
            "不久后竞争对手便掌握了这些报价并在投标中压价，企业怀疑材料被相关工作人员泄露。"
            "来信人要求对其身份保密，请求调查核实。"
        ),
        caller_name="冯先生",
        caller_phone="18200001009",
        enterprise_name="襄汾县德润机械制造有限公司",
        district_code="xiangfen",
        confidential=True,
        story="closed_satisfied",
    ),
    DemoTicket(
        key="daning-property-registration",
        days_ago=24,
        channel="phone",
        kind="complaint",
        category_code="deadline_missed",
        subject="不动产登记承诺5个工作日，20天仍未办结",
        description=(
            "来电人反映，大宁县昕禾农产品加工有限公司20天前提交厂房不动产登记申请，窗口承诺5个工作日办结，"
            "至今仍未领到不动产权证书，也没有人说明原因。企业急需以厂房抵押办理贷款，请求督促尽快办结。"
        ),
        caller_name="武晓东",
        caller_phone="0357-5550125",
        enterprise_name="大宁县昕禾农产品加工有限公司",
        credit_code="91141030MA0JE9B218",
        district_code="daning",
        story="closed_satisfied",
    ),
    DemoTicket(
        key="anze-food-licence-refused",
        days_ago=22,
        channel="phone",
        kind="complaint",
        category_code="refusal",
        subject="变更食品生产许可被窗口以缺少证明为由拒收",
        description=(
            "来电人系安泽县连翘园中药材有限公司负责人，企业新增连翘茶生产线，申请变更食品生产许可。"
            "县政务服务中心窗口要求提供一份办事指南中没有列出的“村委会证明”，企业未能提供，窗口便不予受理。"
            "企业认为要求不合理，请求按公布的材料清单受理。"
        ),
        caller_name="牛俊峰",
        caller_phone="15800001023",
        enterprise_name="安泽县连翘园中药材有限公司",
        credit_code="91141026MA0HX8L40U",
        district_code="anze",
        story="closed_satisfied",
    ),
    DemoTicket(
        key="houma-subsidy-3",
        days_ago=20,
        channel="phone",
        kind="complaint",
        category_code="policy_unfulfilled",
        subject="承诺月底前拨付的补助仍未到账，再次投诉",
        description=(
            "来电人第三次反映侯马市晋通达物流有限公司设备投资补助问题。上次办理时有关部门答复补助将于上月底前拨付，"
            "企业当时表示满意，但截至目前款项仍未到账，也无人说明原因。"
            "企业对反复承诺不兑现很不满意，要求明确拨付时间，并追究相关人员责任。"
        ),
        caller_name="杨国栋",
        caller_phone="13700001004",
        enterprise_name="侯马市晋通达物流有限公司",
        credit_code="91141081MA0K5P1D3Y",
        district_code="houma",
        urgency="urgent",
        repeat_of="houma-subsidy-1",
        new_facts=True,
        departments=("houma_gov",),
        story="overdue",
    ),
    DemoTicket(
        key="hongtong-vat-refund-inquiry",
        days_ago=18,
        channel="email",
        kind="inquiry",
        category_code=None,
        subject="咨询企业是否符合增值税留抵退税条件",
        description=(
            "来信人系洪洞县汾河湾食品有限公司财务负责人，企业今年新购置一批生产设备，形成较大的增值税留抵税额，"
            "咨询企业是否符合留抵退税条件、应如何申请。接线员无法当场答复，转税务部门解答。"
        ),
        caller_name="梁红",
        caller_phone="0357-5550116",
        enterprise_name="洪洞县汾河湾食品有限公司",
        credit_code="91141024MA0KR9T44T",
        district_code="hongtong",
        departments=("tax",),
        story="closed_satisfied",
    ),
    DemoTicket(
        key="fenxi-hospital-arrears",
        days_ago=16,
        channel="12345",
        kind="complaint",
        category_code="unpaid_debts",
        subject="医疗设备货款逾期一年未支付",
        description=(
            "12345热线转来：汾西县康安医疗器械有限公司反映，去年向县里一家公立医院供应了一批医疗设备，"
            "合同约定验收合格后90天内付款，73万元货款至今未付。企业担心影响今后的业务合作，"
            "要求对其身份保密，请求督促付款。"
        ),
        caller_name="宋先生",
        caller_phone="18700001018",
        enterprise_name="汾西县康安医疗器械有限公司",
        credit_code="91141034MA0L8U2C25",
        district_code="fenxi",
        confidential=True,
        departments=("fenxi_gov",),
        story="overdue",
    ),
    DemoTicket(
        key="hongtong-tourism-land",
        days_ago=14,
        channel="phone",
        kind="complaint",
        category_code="factor_supply",
        subject="文旅项目用地报批半年没有进展",
        description=(
            "来电人系洪洞县槐乡文旅开发有限公司负责人，公司投资的民宿文旅项目已签订投资协议，"
            "项目用地组卷报批材料半年前已报到县里，至今没有进展，每次询问都说“在等指标”。"
            "项目设计和施工队伍都已就位，请求明确用地报批的时间表。"
        ),
        caller_name="柴国华",
        caller_phone="15100001031",
        enterprise_name="洪洞县槐乡文旅开发有限公司",
        credit_code="91141024MA0PB6C45N",
        district_code="hongtong",
        story="overdue",
    ),
    DemoTicket(
        key="guxian-coking-upgrade",
        days_ago=12,
        channel="walk_in",
        kind="help",
        category_code="inaction",
        subject="焦化升级改造项目因股东分歧停滞，请求协调",
        description=(
            "来访人系古县汇晟焦化有限责任公司总经理，企业焦化升级改造项目因两方股东在出资比例和产能置换方案上"
            "意见分歧，已停滞近一年。县里此前组织过两次协调会，股东仍未达成一致，项目备案变更、环评批复等手续"
            "也随之搁置。企业担心错过产能置换的时间节点，请求由县政府牵头，工信、发改、生态环境等部门"
            "再次召开协调会，推动项目复工。"
        ),
        caller_name="郭建平",
        caller_phone="13500001002",
        enterprise_name="古县汇晟焦化有限责任公司",
        credit_code="91141025MA0GT7R357",
        district_code="guxian",
        urgency="urgent",
        departments=("guxian_gov", "industry", "ndrc", "ecology"),
        story="submitted",
    ),
    DemoTicket(
        key="inquiry-credit-repair",
        days_ago=11,
        channel="phone",
        kind="inquiry",
        category_code=None,
        subject="咨询行政处罚信息如何办理信用修复",
        description=(
            "来电人系曲沃县兴禾农业发展有限公司会计，企业去年因一起环保违法行为被罚款，已按时缴纳。"
            "现在参加招投标时被查到处罚记录，咨询如何办理信用修复。"
        ),
        caller_name="郑敏",
        caller_phone="15200001014",
        enterprise_name="曲沃县兴禾农业发展有限公司",
        credit_code="91141021MA0MD5F74F",
        district_code="quwo",
        answered_on_spot=True,
        answer=(
            "已告知：处罚决定已履行完毕、公示已满最短期限的，可登录“信用中国”网站在线提交信用修复申请，"
            "按提示上传缴纳罚款的凭证等材料，审核通过后即停止公示。来电人表示会按此办理。"
        ),
        story="answered",
    ),
    DemoTicket(
        key="xixian-discharge-permit",
        days_ago=10,
        channel="phone",
        kind="complaint",
        category_code="buck_passing",
        subject="排污许可变更两部门互相推诿",
        description=(
            "来电人系隰县梨乡果品加工有限公司负责人，企业扩建梨汁生产线后需要变更排污许可。"
            "到生态环境部门被告知应先到审批部门办理，到审批部门又被告知此事不归其管，来回跑了四趟仍没有办成。"
            "请求明确办理部门，尽快完成变更。"
        ),
        caller_name="卫红霞",
        caller_phone="18600001026",
        enterprise_name="隰县梨乡果品加工有限公司",
        credit_code="91141031MA0LF3Q790",
        district_code="xixian",
        # Joint: both bodies that passed the buck, ecology leading.
        departments=("ecology", "approval"),
        story="resolved_awaiting_callback",
    ),
    DemoTicket(
        key="yaodu-designated-appraiser",
        days_ago=9,
        channel="walk_in",
        kind="report",
        category_code="private_gain",
        subject="窗口人员要求委托其亲属经营的评估公司",
        description=(
            "来访人反映，企业办理项目审批时，某审批窗口工作人员多次表示必须委托一家指定的评估公司出具报告才能受理，"
            "该公司报价明显高于市场价格。企业了解到这家公司实际由这名工作人员的亲属经营。"
            "来访人要求保密，请求查处这种指定中介、谋取私利的行为。"
        ),
        caller_name="吴女士",
        caller_phone="15900001008",
        district_code="yaodu",
        confidential=True,
        story="resolved_awaiting_callback",
    ),
    DemoTicket(
        key="quwo-lightning-test",
        days_ago=8,
        channel="web",
        kind="complaint",
        category_code="designated_intermediary",
        subject="办理报建手续被要求到指定机构做防雷检测",
        description=(
            "来电人系曲沃县景明建筑工程有限公司项目经理，企业在曲沃县新建厂房办理报建手续时，"
            "被告知防雷检测必须找县里一家指定机构，其他有资质机构出具的报告一律不认可。"
            "企业认为这属于指定中介，增加了成本和时间，请求纠正，允许企业自主选择中介机构。"
        ),
        caller_name="曹丽娜",
        caller_phone="0357-5550111",
        enterprise_name="曲沃县景明建筑工程有限公司",
        credit_code="91141021MA0H6W2B5J",
        district_code="quwo",
        story="resolved_awaiting_callback",
    ),
    DemoTicket(
        key="inquiry-business-licence",
        days_ago=7,
        channel="phone",
        kind="inquiry",
        category_code=None,
        subject="咨询开办餐馆在哪里办理营业执照",
        description="来电人准备在尧都区开一家小餐馆，目前已租好门面。来电人咨询营业执照和食品经营许可在哪里办理、需要带哪些材料。",
        caller_name="赵女士",
        caller_phone="15100001013",
        district_code="yaodu",
        answered_on_spot=True,
        answer=(
            "已告知：可通过山西政务服务网或“三晋通”APP在线申请，也可携带身份证、经营场所证明到尧都区政务服务中心"
            "市场主体登记窗口办理；餐馆还需办理食品经营许可，可在申请营业执照时一并提交。来电人表示清楚。"
        ),
        story="answered",
    ),
    DemoTicket(
        key="hongtong-inspection-bribe",
        days_ago=6,
        channel="phone",
        kind="report",
        category_code="bribery",
        subject="安全检查人员暗示企业送购物卡",
        description=(
            "来电人反映，上周某乡镇综合行政执法队两名工作人员到企业进行安全检查，检查后暗示企业“表示表示”，"
            "索要价值2000元的购物卡，并称否则将“从严处理”。企业担心遭到报复，要求对其身份严格保密，"
            "请求纪检监察机关调查处理。"
        ),
        caller_name="周先生",
        caller_phone="15800001007",
        enterprise_name="洪洞县福瑞祥食品有限公司",
        credit_code="91141024MA0JQ83E1P",
        district_code="hongtong",
        confidential=True,
        story="submitted",
    ),
    DemoTicket(
        key="quwo-fee-refund",
        days_ago=5,
        channel="phone",
        kind="complaint",
        category_code="arbitrary_fees",
        subject="已缴纳的城市基础设施配套费被重复收取，要求退还",
        description=(
            "来电人系曲沃县恒泰建材有限公司负责人，企业新建仓库办理施工许可时，县住建局要求缴纳城市基础设施配套费"
            "18.6万元，企业此前签订出让合同时已经缴纳过同一费用，属于重复收费。企业提出退费申请一个多月无人答复，"
            "请求退还重复收取的费用。"
        ),
        caller_name="郭志刚",
        caller_phone="13600001041",
        enterprise_name="曲沃县恒泰建材有限公司",
        credit_code="91141021MA0L7QH52T",
        district_code="quwo",
        respondent="housing",
        story="signed",
    ),
    DemoTicket(
        key="yaodu-rough-seizure",
        days_ago=5,
        channel="phone",
        kind="complaint",
        category_code="rough_enforcement",
        subject="执法人员检查时态度粗暴、扣押货物不出清单",
        description=(
            "来电人系尧都区一家百货商店的经营者，前天下午几名自称执法人员的工作人员到店检查，未出示执法证件，"
            "当着顾客的面呵斥店员，并将店内部分货物搬走，没有出具任何扣押清单或文书。"
            "经营者要求核实执法主体、依法返还货物，并对有关人员作出处理。"
        ),
        caller_name="常秀兰",
        caller_phone="19900001021",
        enterprise_name="临汾市尧都区鑫悦百货商店",
        credit_code="92141002MA0P7E3K9B",
        district_code="yaodu",
        urgency="urgent",
        # Joint: the district answers for its enforcers; the justice bureau checks the procedure.
        departments=("yaodu_gov", "justice"),
        story="contacted",
    ),
    DemoTicket(
        key="xiangfen-power-capacity",
        days_ago=4,
        channel="phone",
        kind="complaint",
        category_code="factor_supply",
        subject="工厂电力增容申请两个月未接电",
        description=(
            "来电人系襄汾县金火铸造有限公司负责人，企业新上一条中频炉生产线，两个月前向供电部门申请电力增容，"
            "由800千伏安增至2500千伏安，至今仍未接电，也未告知具体原因。新设备已安装调试完毕却无法投产，"
            "每天损失较大，请求尽快办理。"
        ),
        caller_name="高建国",
        caller_phone="13500001019",
        enterprise_name="襄汾县金火铸造有限公司",
        credit_code="91141023MA0JA4Y9XT",
        district_code="xiangfen",
        urgency="urgent",
        story="submitted",
    ),
    DemoTicket(
        key="suggestion-shared-materials",
        days_ago=3,
        channel="api",
        kind="suggestion",
        category_code="extra_steps",
        subject="建议各窗口共享已提交材料，减少重复提交",
        description=(
            "省营商环境投诉平台转来：来电人建议，企业在同一大厅办理不同事项时，营业执照、身份证明等材料"
            "要在多个窗口反复提交。建议各窗口之间共享已提交的电子材料，减少企业重复跑、重复交。"
        ),
        caller_name="石磊",
        caller_phone="15200001033",
        district_code="yaodu",
        # Override: "营业执照" in the text would propose market regulation.
        departments=("approval",),
        story="submitted",
    ),
    DemoTicket(
        key="inquiry-service-hours",
        days_ago=2,
        channel="phone",
        kind="inquiry",
        category_code=None,
        subject="咨询专线受理时间和受理范围",
        description="来电人在尧都区经营一家小型企业，第一次拨打本专线。来电人咨询专线的受理时间，以及企业办事遇到拖延能否通过专线反映。",
        caller_name="钱先生",
        caller_phone="13800001012",
        district_code="yaodu",
        answered_on_spot=True,
        answer=(
            "已告知：专线电话0357-2096666、0357-2096999，每天08:00至18:00有人接听；企业和投资者在办事中遇到"
            "不予受理、超时限办理、推诿扯皮、吃拿卡要等损害营商环境的问题均可反映，其他时间可在网上留言。"
            "来电人表示清楚。"
        ),
        story="answered",
    ),
    DemoTicket(
        key="huozhou-retaliation",
        days_ago=2,
        channel="phone",
        kind="report",
        category_code="retaliation",
        subject="投诉后三周内被检查四次，疑似打击报复",
        description=(
            "来电人反映，企业上月投诉某执法单位乱罚款后，近三周内该单位先后四次以不同名义到企业检查，"
            "每次都要求停产配合，严重影响正常生产。企业认为这是打击报复，要求对其身份保密，请求纪检监察机关核查。"
        ),
        caller_name="韩先生",
        caller_phone="13600001010",
        enterprise_name="霍州市晋霍建材有限公司",
        credit_code="91141082MA0N2H5R85",
        district_code="huozhou",
        urgency="urgent",
        confidential=True,
        story="signed",
    ),
    DemoTicket(
        key="jixian-cold-store-permit",
        days_ago=2,
        channel="web",
        kind="complaint",
        category_code="extra_steps",
        subject="苹果冷库办理施工许可被要求提供清单外材料",
        description=(
            "来电人系吉县壶口果业专业合作社理事长，合作社新建一座3000吨苹果冷库，办理施工许可时被要求额外提供"
            "“无欠薪承诺书”和乡镇、村两级会签意见，这些都不在公布的申请材料清单里。"
            "为此已耽误近一个月，眼看要错过苹果入库季，请求取消清单外的要求。"
        ),
        caller_name="薛保平",
        caller_phone="13700001024",
        enterprise_name="吉县壶口果业专业合作社",
        credit_code="93141028MA0MY1G585",
        district_code="jixian",
        story="signed",
    ),
    DemoTicket(
        key="devzone-rent-relief",
        days_ago=2,
        channel="phone",
        kind="complaint",
        category_code="policy_unfulfilled",
        subject="入驻时承诺的厂房租金减半未兑现",
        description=(
            "来电人系山西泰和精密机械有限公司负责人，企业入驻开发区时，管委会承诺标准化厂房前两年租金减半。"
            "企业已入驻一年，厂房运营公司仍按全额收取租金，多次反映均未得到答复。请求按入驻时的承诺兑现租金减免。"
        ),
        caller_name="侯志勇",
        caller_phone="18800001036",
        enterprise_name="山西泰和精密机械有限公司",
        credit_code="91141000MA0KK4E63A",
        district_code="kaifaqu",
        departments=("devzone",),
        story="contacted",
    ),
    DemoTicket(
        key="xiangning-newenergy-150-days",
        days_ago=1,
        channel="web",
        kind="complaint",
        category_code="deadline_missed",
        subject="新能源项目承诺150天办结审批，部分环节已超时",
        description=(
            "来电人系乡宁县云岭新能源开发有限公司项目负责人，公司在乡宁县投资建设的10万千瓦风电项目，"
            "按照全部审批150天内办结的承诺，目前已过去90天，用地预审、接入系统批复等手续仍未办完，"
            "其中用地预审已超出承诺时限10个工作日。企业担心超过150天影响开工，"
            "请求市行政审批服务管理局接诉即办，督促相关环节在时限内办结。"
        ),
        caller_name="贾志刚",
        caller_phone="18600001003",
        enterprise_name="乡宁县云岭新能源开发有限公司",
        credit_code="91141029MA0LC2N89B",
        district_code="xiangning",
        urgency="urgent",
        departments=("approval",),
        story="signed",
    ),
    DemoTicket(
        key="fushan-gas-misrouted",
        days_ago=1,
        channel="phone",
        kind="complaint",
        category_code="factor_supply",
        subject="新建厂区天然气接入申请两个月未办理",
        description=(
            "来电人系浮山县恒盛陶瓷有限公司负责人，企业新建厂区需要接入天然气供窑炉生产，两个月前已向燃气公司"
            "提交接入申请，至今未开工铺设管道，多次询问均答复“等审批”。请求督促尽快办理燃气接入。"
        ),
        caller_name="任伟",
        caller_phone="13600001022",
        enterprise_name="浮山县恒盛陶瓷有限公司",
        credit_code="91141027MA0KW6D174",
        district_code="fushan",
        # The operator overrides the proposal (housing) with water by mistake; water returns it:
        # gas supply is regulated by the housing bureau.
        departments=("water",),
        story="returned",
    ),
    DemoTicket(
        key="puxian-pension-transfer",
        days_ago=1,
        channel="12345",
        kind="complaint",
        category_code="deadline_missed",
        subject="职工养老保险关系转移两个月未办结",
        description=(
            "12345热线转来：蒲县东岳建材有限公司人事专员反映，公司两名从外省调入的职工需要办理养老保险关系转移接续，"
            "两个月前已提交申请，至今未办结，经办人员一直说“在走流程”。职工担心影响缴费年限，请求尽快办理。"
        ),
        caller_name="闫丽",
        caller_phone="18200001029",
        enterprise_name="蒲县东岳建材有限公司",
        credit_code="91141033MA0GU5N3XC",
        district_code="puxian",
        story="contacted",
    ),
    DemoTicket(
        key="daning-loan-renewal",
        days_ago=1,
        channel="phone",
        kind="help",
        category_code="factor_supply",
        subject="贷款到期银行不予续贷，请求帮助协调",
        description=(
            "来电人系大宁县丰禾农业科技有限公司负责人，企业一笔300万元流动资金贷款下月到期，银行以行业风险为由"
            "表示到期后不再续贷，要求先还后贷。企业经营正常、没有逾期记录，一时筹不出还款资金，"
            "请求金融监管部门帮助协调续贷。"
        ),
        caller_name="白云飞",
        caller_phone="18700001035",
        enterprise_name="大宁县丰禾农业科技有限公司",
        credit_code="91141030MA0RA7J22P",
        district_code="daning",
        story="signed",
    ),
    DemoTicket(
        key="huozhou-cold-chain-outage",
        days_ago=0,
        channel="phone",
        kind="help",
        category_code="factor_supply",
        subject="冷库突然停电，冻品面临损失",
        description=(
            "来电人系霍州市冰源冷链物流有限公司值班经理，今天上午冷库所在片区突然停电，已持续两个多小时，"
            "供电抢修电话一直占线。库内存有约300吨冻肉和速冻食品，温度正在上升，请求尽快恢复供电或协调临时电源。"
        ),
        caller_name="马超",
        caller_phone="18800001020",
        enterprise_name="霍州市冰源冷链物流有限公司",
        credit_code="91141082MA0PC8N62E",
        district_code="huozhou",
        urgency="emergency",
        departments=("power",),
        story="contacted",
    ),
    DemoTicket(
        key="yonghe-washed-out-road",
        days_ago=0,
        channel="phone",
        kind="complaint",
        category_code="inaction",
        subject="厂区门前道路被冲毁，多次反映无人处理",
        description=(
            "来电人系永和县乾坤湾红枣食品有限公司负责人，企业门前通往县道的一段道路去年汛期被冲毁，"
            "运货车辆无法通行，只能绕行十几公里。企业先后三次向所在乡镇政府反映，均答复“研究研究”，"
            "半年多没有任何动静。请求督促修复。"
        ),
        caller_name="贺永明",
        caller_phone="15900001028",
        enterprise_name="永和县乾坤湾红枣食品有限公司",
        credit_code="91141032MA0HL5T13E",
        district_code="yonghe",
        departments=("yonghe_gov",),
        story="new",
    ),
    DemoTicket(
        key="devzone-site-not-ready",
        days_ago=0,
        channel="api",
        kind="complaint",
        category_code="policy_unfulfilled",
        subject="入园项目约定的“三通一平”逾期未完成",
        description=(
            "省营商环境投诉平台转来：山西锐科新材料有限公司反映，企业去年签约入驻临汾经济开发区，"
            "投资协议约定的交地时间已过去两个多月，地块仍未完成“三通一平”，不通电、不通路，设备无法进场安装。"
            "请求督促按协议完成。"
        ),
        caller_name="苗晨",
        caller_phone="18300001034",
        enterprise_name="山西锐科新材料有限公司",
        credit_code="91141000MA0QD3H91F",
        district_code="kaifaqu",
        # Joint: the zone prepares the site; the investment bureau answers for the agreement.
        departments=("devzone", "investment"),
        story="new",
    ),
)
