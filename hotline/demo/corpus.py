"""Deterministic synthetic identities and complaint texts for the benchmarks.

Everything here is a pure function of integers (an enterprise index, a phone id, a 60-bit text
key), so the generator, the repeat-lookup benchmark and the intake benchmark produce the same
enterprise, phone and text for the same numbers without sharing state.

* Enterprises: ``enterprise(i)`` gives a distinct name (place prefix + 2-character brand +
  industry + legal form), its district, and a valid credit code (GB 32100 check character via
  ``make_credit_code``); distinct indexes give distinct normalized names and codes (up to
  6.6 million enterprises).
* Phones: ``phone(pid)`` gives a normalized mobile (``13812345678``) or a Linfen landline
  (``0357-2096666``); distinct ids give distinct mobiles.
* Texts: ``matter(...)`` fills per-category templates (items with their responsible
  department, departments, places, durations, amounts). A repeat re-uses the earlier ticket's
  text key, so its slots are the same, but is worded with another template and a "再次反映"
  opening, so repeat detection sees a paraphrase of the same matter.

Phones and enterprises are invented; any resemblance to a real number or firm is chance.
"""
from __future__ import annotations

from dataclasses import dataclass

from hotline.demo import data as demo
from hotline.tickets.identity import make_credit_code, normalize_enterprise_name

MASK64 = (1 << 64) - 1

# --------------------------------------------------------------------------------------------
# Reference data (from the demo city)
# --------------------------------------------------------------------------------------------

DEPARTMENT_NAMES = {d.code: d.name_zh for d in demo.DEPARTMENTS}
CATEGORY_DEFAULTS = {c.code: c.departments for c in demo.CATEGORIES}
CATEGORY_KIND = {c.code: c.default_kind for c in demo.CATEGORIES}
MISCONDUCT = frozenset(c.code for c in demo.CATEGORIES if c.is_misconduct)
COUNTY_GOV = {d.district_code: d.code for d in demo.DEPARTMENTS if d.kind in ("county", "development_zone")}

REGION_CODE = {
    "yaodu": "141002", "houma": "141081", "huozhou": "141082", "quwo": "141021", "yicheng": "141022",
    "xiangfen": "141023", "hongtong": "141024", "guxian": "141025", "anze": "141026", "fushan": "141027",
    "jixian": "141028", "xiangning": "141029", "daning": "141030", "xixian": "141031", "yonghe": "141032",
    "puxian": "141033", "fenxi": "141034", "kaifaqu": "141000",
}

# (district, place prefix); every prefix is distinct and no brand character is a place character,
# so (slot, brand, industry) → name is injective. Yaodu (the city proper) has the most firms.
PLACE_SLOTS = (
    ("yaodu", "临汾市"), ("yaodu", "临汾市尧都区"), ("yaodu", "尧都区"), ("yaodu", "临汾"),
    ("kaifaqu", "临汾经济开发区"), ("kaifaqu", "山西"),
    ("houma", "侯马市"), ("houma", "侯马"), ("huozhou", "霍州市"), ("huozhou", "霍州"),
    ("hongtong", "洪洞县"), ("hongtong", "洪洞"), ("xiangfen", "襄汾县"), ("xiangfen", "襄汾"),
    ("quwo", "曲沃县"), ("yicheng", "翼城县"), ("guxian", "古县"), ("anze", "安泽县"), ("fushan", "浮山县"),
    ("jixian", "吉县"), ("xiangning", "乡宁县"), ("daning", "大宁县"), ("xixian", "隰县"),
    ("yonghe", "永和县"), ("puxian", "蒲县"), ("fenxi", "汾西县"),
)
BRAND_CHARS = (
    "华晟泰鑫润通达恒丰瑞源盛宏兴隆金德福康顺昌汇鼎诚信永利佳美新宇天成博远嘉和聚晋峰建旺荣祥宝益众广凯锦辉腾"
    "飞龙凤英豪万家春秋明亮光耀正大中禾嘉禧睿智卓越百川合力启航星辰"
)
BRAND = tuple(dict.fromkeys(BRAND_CHARS))[:80]
# (industry, legal forms with weights in percent)
_COMPANY = (("有限公司", 72), ("有限责任公司", 12), ("股份有限公司", 6), ("集团有限公司", 10))
INDUSTRIES = (
    ("珠宝", _COMPANY), ("物流", _COMPANY), ("建材", _COMPANY), ("焦化", _COMPANY), ("煤业", _COMPANY),
    ("新材料", _COMPANY), ("农业科技", _COMPANY), ("食品", _COMPANY), ("商贸", _COMPANY),
    ("陶瓷", _COMPANY), ("医药", _COMPANY), ("机械制造", _COMPANY), ("钢铁", _COMPANY),
    ("电子科技", _COMPANY), ("纺织", _COMPANY), ("建筑工程", _COMPANY), ("路桥工程", _COMPANY),
    ("房地产开发", _COMPANY), ("酒店管理", _COMPANY), ("冷链物流", _COMPANY), ("光伏科技", _COMPANY),
    ("化工", _COMPANY), ("印务", _COMPANY), ("汽车销售", _COMPANY), ("生物科技", _COMPANY),
    ("环保科技", _COMPANY), ("信息技术", _COMPANY), ("文化传媒", _COMPANY), ("旅游开发", _COMPANY),
    ("水泥", _COMPANY + (("厂", 20),)), ("铸造", _COMPANY + (("厂", 25),)),
    ("包装", _COMPANY + (("厂", 20),)), ("家具", _COMPANY + (("厂", 20),)),
    ("果业", (("有限公司", 60), ("专业合作社", 40))), ("畜牧养殖", (("有限公司", 55), ("专业合作社", 45))),
    ("蔬菜种植", (("专业合作社", 70), ("有限公司", 30))), ("餐饮", (("店", 45), ("有限公司", 55))),
    ("超市", (("店", 50), ("有限公司", 50))), ("汽车维修", (("店", 40), ("有限公司", 60))),
    ("服装", (("店", 30), ("有限公司", 70))),
)
NAME_SPACE = len(PLACE_SLOTS) * len(BRAND) * len(BRAND) * len(INDUSTRIES)
_NAME_MULT = 2654435761  # prime, coprime with NAME_SPACE: a bijection of [0, NAME_SPACE)
_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
                   "178", "182", "183", "187", "188", "130", "131", "132", "155", "156", "166", "185", "186",
                   "133", "153", "177", "189", "180", "181", "191", "199", "198")
_MOBILE_SPACE = len(MOBILE_PREFIXES) * 10**8
INDIVIDUAL_PID_BASE = 300_000_000
AGENT_PID_BASE = 400_000_000

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘"
    "杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕晓东永福晨阳雪梅彬浩宇欣怡子涵佳"
    "琪俊峰文博亮云飞鑫淑珍国栋卫东立新"
)


def _mix(x: int) -> int:
    """A 64-bit integer hash (splitmix64 finaliser)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def _weighted(options, roll: int):
    """Pick from ((value, weight_percent), ...) with ``roll`` in 0..99 (weights may not sum to 100)."""
    total = sum(w for _, w in options)
    roll = roll % total
    for value, weight in options:
        if roll < weight:
            return value
        roll -= weight
    return options[-1][0]


@dataclass(frozen=True)
class Enterprise:
    """A synthetic enterprise."""

    index: int
    name: str
    norm: str
    credit_code: str
    district: str
    industry: str


def enterprise(index: int) -> Enterprise:
    """The enterprise number ``index`` (distinct names and codes for distinct indexes)."""
    mixed = (index * _NAME_MULT + 7919) % NAME_SPACE
    slot, rest = mixed % len(PLACE_SLOTS), mixed // len(PLACE_SLOTS)
    b1, rest = rest % len(BRAND), rest // len(BRAND)
    b2, rest = rest % len(BRAND), rest // len(BRAND)
    industry, forms = INDUSTRIES[rest % len(INDUSTRIES)]
    district, place = PLACE_SLOTS[slot]
    h = _mix(index)
    form = _weighted(forms, h % 100)
    name = f"{place}{BRAND[b1]}{BRAND[b2]}{industry}{form}"
    kind = {"专业合作社": "93", "店": "92"}.get(form, "91")
    org = (index * 1000003 + 77) % 31**6
    body = ""
    for _ in range(6):
        org, digit = divmod(org, 31)
        body = _CC_ALPHABET[digit] + body
    code = make_credit_code(f"{kind}{REGION_CODE[district]}MA0{body}")
    return Enterprise(index, name, normalize_enterprise_name(name), code, district, industry)


def name_variant(e: Enterprise, roll: int) -> str:
    """How a caller says the name: mostly as registered, sometimes without the legal form or
    with full-width brackets; the normalized name stays the same."""
    if roll % 100 < 85 or not e.name.endswith("公司"):
        return e.name
    core = e.name
    for form in ("集团有限公司", "股份有限公司", "有限责任公司", "有限公司"):
        if core.endswith(form):
            core = core[: -len(form)]
            break
    return core if roll % 2 else f"{core}（有限公司）"


def phone(pid: int, *, landline: bool = False) -> str:
    """A normalized phone number for phone id ``pid`` (mobiles are distinct per id)."""
    if landline:
        return f"0357-{2000000 + (pid * 1000003) % 7000000}"
    m = (pid * 1_000_000_007 + 12345) % _MOBILE_SPACE
    return f"{MOBILE_PREFIXES[m % len(MOBILE_PREFIXES)]}{m // len(MOBILE_PREFIXES):08d}"


def enterprise_contact(index: int, contact: int) -> tuple[int, str]:
    """(phone id, phone) of contact 0 (the owner's mobile), 1 (a staff mobile) or 2 (the office
    landline) of enterprise ``index``."""
    pid = 3 * index + contact
    return pid, phone(pid, landline=contact == 2)


def person_name(pid: int) -> str:
    """A caller's name for phone id ``pid``."""
    h = _mix(pid + 17)
    given = GIVEN[(h >> 8) % len(GIVEN)]
    if h % 3:
        given += GIVEN[(h >> 20) % len(GIVEN)]
    return SURNAMES[(h >> 32) % len(SURNAMES)] + given


AGENT_FIRMS = ("平阳会计服务", "晋南财税咨询", "汾河企业管理咨询", "尧都代理记账", "鼓楼财务咨询", "华信税务师事务所")


def agent_name(a: int) -> str:
    """An accounting agency that calls for its client enterprises (代账公司)."""
    return f"临汾市{AGENT_FIRMS[a % len(AGENT_FIRMS)]}{'' if a < len(AGENT_FIRMS) else a}有限公司"


# --------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------


class Slots:
    """Deterministic picks from lists, driven by a 64-bit key (an LCG; cheap and repeatable)."""

    __slots__ = ("x",)

    def __init__(self, key: int) -> None:
        self.x = key & MASK64

    def pick(self, seq):
        self.x = (self.x * 6364136223846793005 + 1442695040888963407) & MASK64
        return seq[(self.x >> 33) % len(seq)]

    def num(self, lo: int, hi: int) -> int:
        self.x = (self.x * 6364136223846793005 + 1442695040888963407) & MASK64
        return lo + (self.x >> 33) % (hi - lo + 1)


DUR = ("半个月", "二十多天", "一个多月", "近两个月", "两个多月", "三个月", "近半年", "半年多", "一年多")
TIMES = ("三", "四", "五", "六", "七", "八", "十几")
MONTHS = ("今年1月", "今年3月", "去年10月", "去年底", "上个月初", "上月中旬", "两个月前", "今年年初")
# Approval items and the department that owns them (the routing table would find them).
ITEMS = (
    ("营业执照变更登记", "market"), ("食品经营许可证", "market"), ("药品经营许可证", "market"),
    ("建设工程规划许可证", "natural_resources"), ("不动产权证书", "natural_resources"),
    ("建筑工程施工许可证", "housing"), ("竣工验收备案", "housing"), ("消防验收", "housing"),
    ("排污许可证", "ecology"), ("环评批复", "ecology"), ("取水许可", "water"), ("排水许可", "water"),
    ("数电发票额度调整", "tax"), ("增值税留抵退税", "tax"), ("社保登记", "hrss"), ("用工备案", "hrss"),
    ("道路运输经营许可证", "approval"), ("危险化学品经营许可证", "approval"), ("项目备案", "ndrc"),
    ("节能审查意见", "ndrc"), ("特种设备使用登记", "market"), ("工业产品生产许可证", "market"),
)
PLACES = ("市政务服务大厅", "县政务服务中心", "不动产登记中心窗口", "区政务服务中心", "经办科室", "综合受理窗口")
EXCUSES = ("系统升级暂停受理", "需要先找分管领导签字", "本月指标已满", "要等上级文件", "这个业务我们这里不办",
           "材料格式不对", "需要先补办其他证明")
EXTRAS = ("无违法犯罪证明", "村委会盖章的情况说明", "第三方出具的评估报告", "近三年完税证明原件",
          "法定代表人到场签字确认书", "上级主管部门推荐函", "银行资信证明")
OFFICIALS = ("某科室负责人", "经办人员", "执法队员", "某所所长", "窗口工作人员", "片区负责人")
CLIENTS = (("县教育局", "finance"), ("乡镇政府", "finance"), ("县人民医院", "finance"),
           ("城市建设投资公司", "finance"), ("市政管理处", "housing"), ("县交通运输局", "finance"))
PROJECTS = ("乡村道路硬化工程", "学校操场改造工程", "污水管网工程", "办公楼维修工程", "老旧小区改造工程",
            "供热管网改造工程", "绿化提升工程")
GOODS = ("办公设备", "建材", "医疗耗材", "钢材", "电缆", "校服", "监控设备")
SUBSIDIES = ("设备投资补助", "技改奖补资金", "招商引资奖励", "稳岗补贴", "贷款贴息", "新增规上企业奖励")
AGENCIES = ("某评估公司", "某检测中心", "某设计院", "某咨询公司", "某测绘公司")
REPORTS = ("安全评价报告", "环境检测报告", "测绘报告", "可行性研究报告", "能耗评估报告")
ISSUES = ("厂区门前道路被冲毁", "园区路灯长期不亮", "企业门前排水沟堵塞", "物流通道被占用", "厂区周边垃圾长期无人清运")
# Factor supply (要素保障): the matter and the department the routing table would send it to.
FACTORS = (
    ("新建厂房需要电力增容，已向供电公司提交增容申请{dur}，至今未安排接电", "power"),
    ("厂区近一个月频繁停电，每次停电都造成生产线停机，向供电公司反映后未见改善", "power"),
    ("新建车间需要接入自来水，供水公司以管网压力不足为由迟迟不接", "water"),
    ("项目用地{mu}亩已完成招拍挂，土地至今未交付，设备无法进场", "natural_resources"),
    ("新建厂区需要接入天然气，申请提交{dur}，燃气公司一直未开工铺设管道", "housing"),
    ("一笔{amount}流动资金贷款下月到期，银行表示到期后不再续贷，要求先还后贷", "finance_regulator"),
    ("申请的创业担保贷款审批{dur}仍无结果，企业资金周转困难", "finance_regulator"),
)
POLICIES = ("研发费用加计扣除", "小微企业减税降费", "稳岗返还", "新录用员工社保补贴", "专精特新企业认定",
            "高新技术企业认定", "科技型中小企业评价", "首台套装备保险补偿")
ASKS = {
    "refusal": ("督促相关部门依法受理", "尽快受理并出具受理凭证"),
    "extra_steps": ("督促按办事指南办理，取消清单外要求", "纠正增设环节的做法"),
    "deadline_missed": ("督促尽快办结", "尽快办理并说明超期原因"),
    "buck_passing": ("明确责任部门，尽快办理", "协调相关部门解决"),
    "bribery": ("依法查处", "严肃查处有关人员"),
    "arbitrary_fees": ("督促退还违规收取的费用", "纠正乱收费、乱罚款的做法"),
    "private_gain": ("依法查处", "调查处理"),
    "rough_enforcement": ("依法纠正并返还扣押物品", "规范执法行为"),
    "leak_secrets": ("依法查处泄露信息的人员", "调查处理并保护企业信息"),
    "retaliation": ("制止打击报复行为", "依法查处"),
    "unpaid_debts": ("协调尽快支付欠款", "督促按合同付款"),
    "policy_unfulfilled": ("督促兑现承诺", "尽快拨付资金"),
    "designated_intermediary": ("纠正指定中介的做法", "依法查处"),
    "factor_supply": ("尽快协调解决", "帮助协调解决"),
    "inaction": ("督促尽快处理", "督促有关部门履职"),
}

# Per category: subjects and bodies. Placeholders are filled from the slots below.
TEMPLATES = {
    "refusal": (
        ("{item}申请被窗口拒收，不出具不予受理凭证", "{item}材料齐全却被反复退回", "{item}申请被口头拒绝受理"),
        ("企业于{month}向{place}提交{item}申请，材料齐全、符合法定形式，工作人员以“{excuse}”为由拒收材料，"
         "既不受理也不出具不予受理通知书，企业先后{times}次前往均被退回",
         "企业办理{item}，在网上提交申请后被退回，退回理由只写“材料不全”，电话询问{place}说不清缺什么，"
         "再次提交仍被退回，{dur}过去了事项还是无法受理",
         "{place}对企业的{item}申请不予受理，只口头告知“{excuse}”，没有任何书面依据，企业项目因此停滞{dur}"),
    ),
    "extra_steps": (
        ("办理{item}被要求提供清单外材料", "{item}审批设置已取消的前置条件", "办理{item}多次跑腿仍未办成"),
        ("企业办理{item}时，{place}要求额外提供{extra}，该材料不在公布的办事指南清单内，"
         "企业为开具证明跑了{times}趟，{dur}过去了仍未办成",
         "企业申请{item}，{place}称必须先取得{extra}才能办理，但该前置条件早已取消，企业多次说明，"
         "对方仍坚持要求，门槛明显提高",
         "办理{item}本应一次办结，{place}却要求企业先后提交{extra}等材料，来回跑了{times}趟"),
    ),
    "deadline_missed": (
        ("{item}超过承诺时限仍未办结", "{item}超过法定时限未办结", "{item}申请{dur}没有进展"),
        ("企业于{month}提交{item}申请，承诺时限为{limit}个工作日，现已超期{dur}，系统一直显示“审核中”，"
         "多次询问经办人员只说“在走流程”",
         "企业的{item}办理已超过法定时限，至今未办结，也没有告知延期理由，项目因此无法开工，每天损失约{amount}",
         "{item}申请提交{dur}，经办人员先说等领导签字，后又说等系统对接，始终没有明确的办结时间"),
    ),
    "buck_passing": (
        ("{dept_a}与{dept_b}互相推诿，{item}无法办理", "办理{item}遭经办人员刁难", "{item}无人负责，部门之间踢皮球"),
        ("企业办理{item}，{dept_a}说需要{dept_b}先出具意见，{dept_b}又说应由{dept_a}先审核，"
         "两个部门互相推诿，企业来回跑了{times}趟，{dur}仍没有结果",
         "企业办理{item}时，经办人员每次只指出一个问题，要求反复修改材料，前后改了{times}次，"
         "明显是故意刁难",
         "{item}涉及{dept_a}和{dept_b}两个部门，企业每次去都被告知“不归我们管”，踢皮球{dur}"),
    ),
    "bribery": (
        ("办事被{official}索要“协调费”", "{official}暗示企业购买购物卡"),
        ("企业在办理{item}过程中，{official}暗示需要“意思意思”，要求支付{amount}“协调费”，否则材料一直压着不办",
         "{official}以检查为名暗示企业购买指定的购物卡，价值{amount}，否则将“从严处理”"),
    ),
    "arbitrary_fees": (
        ("{official}乱罚款未出具文书", "乡镇向企业摊派“赞助费”", "办理{item}被重复收费"),
        ("{official}以检查为名对企业罚款{amount}，未出具执法文书和票据，企业要求退还",
         "乡镇要求辖区企业按产值摊派{amount}“赞助费”，不交就在办事时设卡",
         "企业办理{item}时被要求缴纳清单外的费用{amount}，属于重复收费，申请退费无人答复"),
    ),
    "private_gain": (
        ("{official}利用职权为亲属谋取利益", "审批中涉嫌利益输送"),
        ("{official}要求企业把{project}交给其亲属经营的公司承揽，否则不予验收",
         "有关工作人员在{item}审批中为特定关系人的企业开绿灯，对本企业却设置障碍，涉嫌利益输送"),
    ),
    "rough_enforcement": (
        ("执法人员未出示证件强行扣押物品", "环保检查“一刀切”停产"),
        ("{dur}前执法人员到企业检查，未出示执法证件，态度恶劣，强行扣押企业{goods}，未出具扣押清单",
         "有关部门以检查为由对企业“一刀切”停产，企业环保设施齐全、排放达标，停产{dur}损失约{amount}"),
    ),
    "leak_secrets": (
        ("提交的商业资料被泄露给竞争对手", "投诉人信息被泄露"),
        ("企业办理{item}时提交的技术资料和报价被泄露给竞争对手，怀疑经办人员泄密",
         "企业投诉后，被投诉单位工作人员知道了投诉人的姓名和电话，打电话质问投诉人"),
    ),
    "retaliation": (
        ("投诉后遭频繁检查，疑似打击报复", "反映问题后被“穿小鞋”"),
        ("企业上次投诉后，有关部门{dur}内对企业检查{times}次，每次都挑毛病罚款，明显是打击报复",
         "企业反映问题后，办理{item}处处受阻，经办人员直言“谁让你们投诉”"),
    ),
    "unpaid_debts": (
        ("{project}工程款未结清", "{client}拖欠货款{dur}", "{client}质保金到期不退"),
        ("企业承建{client}的{project}，已通过竣工验收和审计，审定金额{amount}，目前尚欠{amount2}未付，"
         "多次催要均答复“财政紧张，等资金到位”",
         "企业向{client}供应{goods}，货款{amount}拖欠{dur}，对方一直以各种理由推脱，企业资金周转十分困难",
         "{client}的{project}质保期已满{dur}，质保金{amount2}至今未退还"),
    ),
    "policy_unfulfilled": (
        ("招商引资协议约定的{subsidy}未兑现", "{subsidy}公示后迟迟不拨付", "入园承诺的{subsidy}和配套未兑现"),
        ("企业与当地政府签订投资协议，约定项目投产后给予{subsidy}{amount}，项目已投产，"
         "申报材料已全部提交，补助至今未兑现，多次询问均答复“正在走程序”",
         "企业申报的{subsidy}已公示{dur}，资金仍未拨付，询问财政部门说等主管部门，主管部门说等财政",
         "入园时承诺的“三通一平”和{subsidy}均未兑现，企业投资{amount}建成的厂房无法投产"),
    ),
    "designated_intermediary": (
        ("办理{item}被要求委托指定中介", "指定机构出具{report}收费过高"),
        ("企业办理{item}时，工作人员要求必须委托{agency}出具{report}，其他机构出具的一概不认，"
         "收费{amount}，比市场价高出一倍",
         "{place}把{agency}出具的{report}作为办理{item}的前置条件，企业找别的机构做的报告不被接受"),
    ),
    "factor_supply": (
        ("企业{factor_short}问题迟迟未解决", "请求协调解决企业{factor_short}问题",
         "{factor_short}问题影响企业按期交货"),
        ("企业{factor}，严重影响生产经营，已造成损失约{amount}",
         "企业反映：{factor}，多次联系有关单位均无明确答复",
         "{factor}，企业订单无法按期交付，面临违约"),
    ),
    "inaction": (
        ("{issue}，多次反映无人处理", "{issue}，转办后被“假办结”", "{issue}，部门推诿没人管"),
        ("企业{issue}，先后{times}次向有关部门反映，均答复“研究研究”，{dur}没有任何动静",
         "企业反映的{issue}问题，12345热线转办后被回复“已办结”，但实际没有任何处理",
         "{issue}，严重影响企业运输和生产，相关部门互相推诿，至今没人管"),
    ),
}
INQUIRY = (
    ("咨询{policy}申报条件", "来电人咨询{policy}的申报条件、所需材料和办理流程。",
     "已告知{policy}的申报条件、所需材料和办理窗口，来电人表示清楚。"),
    ("咨询{item}办理流程", "来电人咨询{item}的办理流程和办理时限，以及能否网上办理。",
     "已告知{item}可在政务服务网办理，承诺时限及所需材料已一并告知。"),
)
SUGGESTIONS = (
    ("建议政务服务大厅延时服务", "建议{place}在中午和周六开设“不打烊”窗口，方便上班族和外地企业办事。"),
    ("建议简化{item}办理材料", "建议进一步精简{item}的申请材料，推行告知承诺制，减少企业跑腿。"),
)
REPEAT_OPENINGS = ("来电人再次反映", "来电人第二次来电反映", "企业再次来电反映", "来电人又一次反映")
NEW_FACTS = ("对方今天又以新的理由拒绝办理", "企业已收到违约通知，损失进一步扩大", "有关人员上周答应办理，至今仍未落实",
             "企业补齐了全部材料，仍然没有结果")


@dataclass(frozen=True)
class Matter:
    """A generated matter: texts and the department the routing would propose first."""

    subject: str
    description: str
    answer: str
    lead_hint: str | None  # a department code the text points to (item owner, factor department)


def _fill(s: Slots, category: str | None) -> tuple[dict[str, str], str | None]:
    """Slot values (the same for the same key) and the department the matter points to."""
    item, item_dept = s.pick(ITEMS)
    factor, factor_dept = s.pick(FACTORS)
    client, client_dept = s.pick(CLIENTS)
    dept_a, dept_b = s.pick(("approval", "market", "housing", "natural_resources", "ecology", "tax")), \
        s.pick(("ndrc", "industry", "finance", "hrss", "water", "justice"))
    values = {
        "item": item, "place": s.pick(PLACES), "excuse": s.pick(EXCUSES), "extra": s.pick(EXTRAS),
        "dur": s.pick(DUR), "times": s.pick(TIMES), "month": s.pick(MONTHS), "limit": str(s.pick((5, 7, 10, 15, 20))),
        "amount": f"{s.num(3, 980)}万元", "amount2": f"{s.num(2, 300)}万元", "official": s.pick(OFFICIALS),
        "dept_a": DEPARTMENT_NAMES[dept_a], "dept_b": DEPARTMENT_NAMES[dept_b], "project": s.pick(PROJECTS),
        "goods": s.pick(GOODS), "client": client, "subsidy": s.pick(SUBSIDIES), "agency": s.pick(AGENCIES),
        "report": s.pick(REPORTS), "issue": s.pick(ISSUES), "policy": s.pick(POLICIES), "mu": str(s.num(5, 300)),
    }
    values["factor"] = factor.format(**values)
    values["factor_short"] = {"power": "用电", "water": "用水", "natural_resources": "用地", "housing": "用气",
                              "finance_regulator": "融资"}[factor_dept]
    hint = {"refusal": item_dept, "extra_steps": item_dept, "deadline_missed": item_dept,
            "designated_intermediary": item_dept, "factor_supply": factor_dept, "unpaid_debts": client_dept,
            "buck_passing": dept_a}.get(category or "")
    return values, hint


def opening(channel: str, who: str, role: str) -> str:
    """How the description starts, by channel."""
    if channel == "12345":
        return f"12345热线转来：{who}{role}反映，"
    if channel == "web":
        return f"网上留言：{who}{role}反映，"
    if channel == "api":
        return f"省营商环境投诉平台转来：{who}反映，"
    if channel == "email":
        return f"来信反映：{who}{role}称，"
    if channel == "walk_in":
        return f"来访人系{who}{role}，"
    return f"来电人系{who}{role}，"


ROLES = ("负责人", "法定代表人", "财务人员", "办公室主任", "项目经理", "经办人")


def matter(category: str | None, kind: str, key: int, *, channel: str, who: str, role: str | None = None,
           repeat: bool = False, new_facts: bool = False) -> Matter:
    """The texts of a matter with text key ``key``; ``repeat`` rewords the same matter.

    ``who`` is the enterprise (or agency) as the caller names it, "" for a private caller;
    ``role`` the caller's position in it (picked from the key when None).
    """
    s = Slots(key)
    values, hint = _fill(s, category)
    picked = s.pick(ROLES)
    role = (picked if role is None else role) if who else ""
    who = who or "来电群众"
    if kind == "inquiry" or category is None and kind != "suggestion":
        subject, body, answer = INQUIRY[key % len(INQUIRY)]
        return Matter(subject.format(**values), opening(channel, who, role) + body[3:].format(**values),
                      answer.format(**values), hint)
    if kind == "suggestion" or category is None:
        subject, body = SUGGESTIONS[key % len(SUGGESTIONS)]
        return Matter(subject.format(**values), opening(channel, who, role) + body.format(**values), "", hint)
    subjects, bodies = TEMPLATES[category]
    first = (key >> 3) % len(bodies)  # the wording of the first complaint
    variant = (first + 1 + (key >> 7) % max(1, len(bodies) - 1)) % len(bodies) if repeat else first
    subject = subjects[first % len(subjects)].format(**values)
    body = bodies[variant].format(**values)
    ask = ASKS[category][(key >> 9) % 2]
    if repeat:
        head = f"{s.pick(REPEAT_OPENINGS)}{who}{subject}一事。"
        tail = (f"新的情况是：{s.pick(NEW_FACTS)}。" if new_facts
                else "与前次反映内容相同，未提供新的情况，询问办理进展。")
        return Matter(f"再次反映：{subject}", f"{head}{body}。{tail}请求{ask}。", "", hint)
    return Matter(subject, f"{opening(channel, who, role)}{body}。请求{ask}。", "", hint)


REPLIES = (
    "经核实，企业反映的问题属实，已督促经办科室于{n}个工作日内办结，并向企业作出说明。",
    "已与企业负责人联系并现场核实，相关手续已于{n}日内办理完毕，企业表示认可。",
    "经协调，已明确责任科室和办结时限，目前事项已办结，已将办理结果告知企业。",
    "经调查，企业反映的问题部分属实，已责令整改，并对相关工作人员进行了批评教育。",
    "已召开协调会，相关部门就企业诉求形成一致意见，已按程序办理完毕。",
)
RETURN_GROUNDS = "该事项不属于本单位职责范围，建议改派{dept}。"


def reply(key: int) -> str:
    """A department's reply (办结答复)."""
    return REPLIES[key % len(REPLIES)].format(n=2 + key % 9)
