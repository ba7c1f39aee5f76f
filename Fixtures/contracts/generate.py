#!/usr/bin/env python3
"""Generates the contract fixtures (accord import format) in this directory.

Run: python3 Fixtures/contracts/generate.py   (deterministic: ids are uuid5, no clock reads)
Amounts are computed with exact decimals (round half up) so every invariant holds.
"""
import hashlib, json, os, uuid, base64
from decimal import Decimal as D, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
NS = uuid.UUID("6f1c2a8e-1d0b-4c57-9a4e-1f2a3b4c5d6e")

def money(x): return str(D(x).quantize(D("0.01"), rounding=ROUND_HALF_UP))
def line_amount(q, p): return (D(q) * D(p)).quantize(D("0.01"), rounding=ROUND_HALF_UP)

SELLER_CN = {"name": "上海精工机械有限公司", "address": "上海市浦东新区张江路 88 号", "contact": "王磊", "phone": "021-5080-1234"}
SELLER_EN = {"name": "Accord Demo Manufacturing Co., Ltd.", "address": "12 Harbour Road, Tianjin", "contact": "Li Wei", "phone": "+86 22 5555 0101"}

PEOPLE = {
    "salesRep": ("张伟", "zhang.wei@example.cn"), "salesHead": ("李娜", "li.na@example.cn"), "legal": ("陈静", "chen.jing@example.cn"),
    "finance": ("刘洋", "liu.yang@example.cn"), "management": ("赵强", "zhao.qiang@example.cn"),
    "contractAdmin": ("孙丽", "sun.li@example.cn"), "salesAdmin": ("周敏", "zhou.min@example.cn"),
}

class Builder:
    def __init__(self, number, typ, status, office, owner, buyer, seller=SELLER_CN, total_items=None, currency="CNY"):
        self.number = number
        self.records = []
        self.files = {}
        self.seq = 0
        c = {"number": number, "type": typ, "status": status, "office": office, "owner": owner,
             "seller": seller, "buyer": buyer, "currency": currency}
        self.c = c

    def items(self, items):
        out, total = [], D(0)
        for (iid, name, spec, q, unit, price, *rest) in items:
            it = {"id": iid, "name": name, "quantity": q, "unitPrice": money(price)}
            if spec: it["spec"] = spec
            if unit: it["unit"] = unit
            if rest: it["deadline"] = rest[0]
            it["lineAmount"] = money(line_amount(q, price))
            total += line_amount(q, price)
            out.append(it)
        self.c["lineItems"] = out
        self.c["totalAmount"] = money(total)
        return self

    def total(self, t): self.c["totalAmount"] = money(t); return self

    def milestones(self, spec):
        """spec: list of (id, kind, percent, due or None, trigger or None); the last takes the remainder."""
        total = D(self.c["totalAmount"])
        out, acc = [], D(0)
        for n, (mid, kind, pct, due, trig) in enumerate(spec):
            amt = total - acc if n == len(spec) - 1 else (total * D(pct) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
            acc += amt
            m = {"id": mid, "kind": kind, "percent": pct, "amount": money(amt)}
            if due: m["due"] = due
            # Every milestone says when it falls due: a date, or the event that triggers it.
            trig = trig or (None if due else {"advance": "合同生效后", "progress": "到货后", "balance": "验收合格后"}[kind])
            if trig: m["trigger"] = trig
            out.append(m)
        self.c["paymentMilestones"] = out
        return self

    def terms(self, **kw): self.c.update(kw); return self

    def milestone_amount(self, mid):
        return next(m["amount"] for m in self.c["paymentMilestones"] if m["id"] == mid)

    def record(self, kind, role, created, filed=None, **fields):
        self.seq += 1
        rid = str(uuid.uuid5(NS, f"{self.number}/{self.seq}"))
        name, email = PEOPLE[role]
        r = {"id": rid, "kind": kind, "author": f"{name} <{email}>", "role": role,
             "replica": f"replica-{self.c['office_code']}" if "office_code" in self.c else "replica-hq",
             "createdAt": created, "filedDate": filed or created[:10]}
        r.update(fields)
        self.records.append(r)
        return rid

    def reviews(self, day, stages=("initialReview", "secondReview", "finalReview")):
        roles = {"initialReview": "salesHead", "secondReview": "legal", "finalReview": "management"}
        ops = {"initialReview": "商务条款齐全,同意。", "secondReview": "法律条款合规,同意。", "finalReview": "同意签署。"}
        for n, st in enumerate(stages):
            self.record("review", roles[st], f"{day}T0{n + 1}:00:00Z", stage=st, decision="approve", opinion=ops[st])

    def attach(self, name, kind, text):
        data = text.encode("utf-8")
        blob = hashlib.sha256(b"blob %d\0" % len(data) + data).hexdigest()
        self.c.setdefault("attachments", []).append({"blob": blob, "name": name, "kind": kind})
        self.files[name] = base64.b64encode(data).decode("ascii")

    def sign(self, sign_date, effective=None, name="王建国", capacity="legalRepresentative"):
        self.c["signatory"] = {"name": name, "capacity": capacity}
        if capacity == "authorizedAgent": self.c["signatory"]["authorization"] = "授权委托书 2026-SQ-17"
        self.c["signDate"] = sign_date
        self.c["effectiveDate"] = effective or sign_date
        self.attach(f"{self.number}-signed.pdf", "original", f"%PDF-1.4\n% signed original of {self.number}\n")

    def entry(self):
        c = dict(self.c)
        c.pop("office_code", None)
        e = {"contract": c, "records": self.records}
        if self.files: e["files"] = self.files
        return e


def standard(b, subject, credit, risk_kind="business", quality=True, dispute=("arbitration", "上海国际仲裁中心"), expiry="2027-12-31",
             deadline="2026-09-30", payment="银行转账 (电汇)", delivery="卖方送货至买方指定仓库"):
    b.terms(subject=subject, customerCredit=credit,
            risk={"kind": risk_kind, "severity": "medium", "likelihood": "low", "points": "回款周期较长;交货期紧。"},
            paymentMethod=payment, deliveryMethod=delivery, deliveryDeadline=deadline,
            breachLiability="逾期交货每日按合同金额 0.05% 支付违约金,累计不超过 5%。",
            disputeResolution={"method": dispute[0], "venue": dispute[1]}, expiryDate=expiry)
    if quality: b.terms(qualityStandard="符合 GB/T 19001-2016 及双方确认的技术协议。", acceptanceStandard="到货后 15 日内按技术协议验收。")
    return b

def ms3(b, due1, due2, due3):
    return b.milestones([("M1", "advance", "30", due1, None), ("M2", "progress", "60", due2, None), ("M3", "balance", "10", due3, "验收合格后")])

def ms2(b, due1, due2):
    return b.milestones([("M1", "advance", "50", due1, None), ("M2", "balance", "50", due2, "验收合格后")])

BUY = {
    "hd1": {"name": "华东机械有限公司", "address": "江苏省苏州市工业园区星湖街 328 号", "contact": "钱峰", "phone": "0512-6288-0001"},
    "hd2": {"name": "杭州新材料科技股份有限公司", "address": "浙江省杭州市滨江区江南大道 1000 号", "contact": "孙悦", "phone": "0571-8700-2233"},
    "hn1": {"name": "深圳市海岸电子有限公司", "address": "广东省深圳市南山区科技园 9 栋", "contact": "黄敏", "phone": "0755-2600-7788"},
    "hn2": {"name": "广州珠江物流集团", "address": "广东省广州市天河区珠江新城 5 号", "contact": "梁志", "phone": "020-3800-1122"},
    "n1": {"name": "Northern Grid Equipment Ltd.", "address": "8 Chang'an Avenue, Beijing", "contact": "Mr. Zhou", "phone": "+86 10 6500 1000"},
    "n2": {"name": "Bohai Port Services Co.", "address": "2 Port Road, Dalian", "contact": "Ms. Anna Lin", "phone": "+86 411 8200 3000"},
    "w1": {"name": "成都西部能源有限公司", "address": "四川省成都市高新区天府大道 77 号", "contact": "罗杰", "phone": "028-8500-6600"},
}

entries = []

# 1. A bare draft: drafts may be incomplete.
b = Builder("HT-2026-001", "sales", "draft", "华东办事处", "张伟", {"name": "华东机械有限公司"})
b.terms(subject="数控车床 (草稿)")
entries.append(b)

# 2. A complete English draft.
b = Builder("HT-2026-002", "sales", "draft", "North Office", "Zhang Wei", BUY["n1"], seller=SELLER_EN)
b.items([("L1", "Transformer housing", "TH-400", "12", "pcs", "8350.00")])
standard(b, "Transformer housings", "Good standing; paid all 2025 invoices on time.", dispute=("litigation", "Beijing Chaoyang District Court"))
ms2(b, None, None)
entries.append(b)

# 3. Service contract under initial review.
b = Builder("HT-2026-003", "service", "initialReview", "华南办事处", "张伟", BUY["hn2"])
standard(b, "仓储管理系统实施服务", "企业信用等级 AA,无诉讼记录。", quality=False, deadline="2026-12-31")
b.terms(scope="WMS 系统部署、数据迁移、培训及三个月驻场支持。", deliverables=["部署报告", "培训手册", "验收报告"],
        schedule=[{"id": "S1", "start": "2026-06-01", "end": "2026-07-31", "milestone": "系统部署"},
                  {"id": "S2", "start": "2026-08-01", "end": "2026-10-31", "milestone": "驻场支持"}],
        projectManager="周敏", serviceTerms="7×24 远程支持。", confidentiality="双方对项目资料负有保密义务。")
b.total("186000.00")
ms3(b, None, None, None)
entries.append(b)

# 4. Purchase contract at second review.
b = Builder("HT-2026-004", "purchase", "secondReview", "华东办事处", "张伟", BUY["hd2"])
b.items([("L1", "碳纤维预浸料", "T700 12K", "850.5", "kg", "312.40"), ("L2", "环氧树脂", "E-51", "1200", "kg", "28.75")])
standard(b, "复合材料原料采购", "长期合作供应商,信用良好。", deadline="2026-08-15")
ms2(b, "2026-05-30", "2026-09-30")
b.record("review", "salesHead", "2026-05-10T02:00:00Z", stage="initialReview", decision="approve", opinion="价格合理。")
entries.append(b)

# 5. Sales contract at final review after one rejection.
b = Builder("HT-2026-005", "sales", "finalReview", "华南办事处", "张伟", BUY["hn1"])
b.items([("L1", "工业控制主板", "ICB-7", "500", "块", "1280.00"), ("L2", "液晶面板", "10.1 寸", "2.5", "箱", "1999.99")])
standard(b, "工业控制主板及面板", "注册资本 5000 万元,近三年无逾期。", deadline="2026-10-31")
ms3(b, None, None, None)
b.record("review", "salesHead", "2026-04-01T02:00:00Z", stage="initialReview", decision="reject", opinion="付款节点不清晰,请补充余款触发条件。")
b.reviews("2026-04-08", stages=("initialReview", "secondReview"))
entries.append(b)

# 6. Approved, waiting for signatures.
b = Builder("HT-2026-006", "sales", "approved", "North Office", "Zhang Wei", BUY["n2"], seller=SELLER_EN)
b.items([("L1", "Mooring bollard", "MB-50T", "24", "set", "15600.00"), ("L2", "Fender", "D300", "60", "pcs", "2240.50")])
standard(b, "Port mooring equipment", "Listed company; strong credit.", dispute=("arbitration", "CIETAC Beijing"), deadline="2026-11-30")
ms3(b, None, None, None)
b.reviews("2026-05-20")
entries.append(b)

# 7. Signed (not yet executing).
b = Builder("HT-2026-007", "sales", "signed", "华东办事处", "张伟", BUY["hd1"])
b.items([("L1", "数控车床", "CK6150", "4", "台", "186500.00", "2026-09-15"), ("L2", "刀架", "四工位", "8", "套", "3250.00")])
standard(b, "数控车床及配件", "合作五年,付款及时。", deadline="2026-09-30")
ms3(b, "2026-07-10", "2026-09-30", "2026-12-31")
b.reviews("2026-06-20")
b.sign("2026-07-01")
entries.append(b)

# 8. Signed service contract in USD, signed by an authorised agent.
b = Builder("HT-2026-008", "service", "signed", "North Office", "Zhang Wei", BUY["n1"], seller=SELLER_EN, currency="USD")
standard(b, "Grid monitoring maintenance (12 months)", "Existing customer, no overdue receivables.", quality=False, deadline="2027-06-30",
         dispute=("arbitration", "HKIAC"), expiry="2027-06-30", payment="T/T in USD")
b.terms(scope="Quarterly inspection and on-call repair of 40 monitoring stations.", deliverables=["Quarterly inspection reports", "Repair log"],
        taxRate="6", taxInclusive=True)
b.total("96000.00")
b.milestones([("Q1", "progress", "25", "2026-09-30", None), ("Q2", "progress", "25", "2026-12-31", None),
              ("Q3", "progress", "25", "2027-03-31", None), ("Q4", "balance", "25", "2027-06-30", None)])
b.reviews("2026-06-25")
b.sign("2026-07-01", "2026-07-01", name="Robert Chen", capacity="authorizedAgent")
entries.append(b)

def executing(number, office, buyer, subject, items, sign="2026-03-01", seller=SELLER_CN, owner="张伟"):
    b = Builder(number, "sales", "executing", office, owner, buyer, seller=seller)
    b.items(items)
    standard(b, subject, "信用良好。", deadline="2026-10-31")
    ms3(b, "2026-03-15", "2026-08-31", "2026-12-31")
    b.reviews("2026-02-20")
    b.sign(sign)
    return b

# 9. Executing: partial deliveries, advance received.
b = executing("HT-2026-009", "华东办事处", BUY["hd1"], "液压泵站", [("L1", "液压泵", "HP-30", "20", "台", "2400.00"), ("L2", "油箱", "200L", "20", "个", "860.00")])
b.record("delivery", "salesRep", "2026-04-10T06:00:00Z", lineItem="L1", date="2026-04-10", quantity="10", quality="合格", logistics="德邦物流 DB2026041001")
b.record("delivery", "salesRep", "2026-04-10T06:30:00Z", lineItem="L2", date="2026-04-10", quantity="5", quality="合格")
b.record("paymentReceipt", "finance", "2026-03-16T03:00:00Z", date="2026-03-15", amount=b.milestone_amount("M1"), method="电汇", milestone="M1", voucher="HD-0315-01")
entries.append(b)

# 10. Executing: a resolved deviation (report → leader decision → result), tracking and monthly records.
b = executing("HT-2026-010", "华南办事处", BUY["hn1"], "贴片机生产线", [("L1", "贴片机", "SMT-X5", "2", "台", "420000.00")])
rep = b.record("deviationReport", "salesRep", "2026-05-06T02:00:00Z", hasAttachments=True, summary="第一台贴片机延期 10 天到货。", proposedHandling="协调厂家加急,并给予买方安装费减免。")
b.record("leaderDecision", "management", "2026-05-07T02:00:00Z", report=rep, by="赵强", date="2026-05-07", text="同意减免安装费,厂家须 5 月 15 日前发货。")
b.record("executionResult", "salesRep", "2026-05-16T02:00:00Z", report=rep, date="2026-05-16", text="5 月 15 日发货,买方确认接受。")
b.record("delivery", "salesRep", "2026-05-20T02:00:00Z", lineItem="L1", date="2026-05-20", quantity="1", quality="合格", variance="延期 10 天", handling="已减免安装费")
b.record("tracking", "salesRep", "2026-05-31T02:00:00Z", customer=BUY["hn1"]["name"], buyer="黄敏", deviationSummary="交货延期一次,已处理。", coordinationDescription="与厂家协调加急", coordinationContent="5 月 15 日发货")
b.record("monthlyExecution", "salesAdmin", "2026-06-01T02:00:00Z", month="2026-05", office="华南办事处", progress="第一台已交付安装。", problems="厂家产能不足", nextMonthPlan="第二台 7 月交付")
b.record("paymentReceipt", "finance", "2026-03-20T03:00:00Z", date="2026-03-20", amount=b.milestone_amount("M1"), method="电汇", milestone="M1", voucher="HN-0320")
entries.append(b)

# 11. Executing with an open deviation (decided, no result yet) and a complaint.
b = executing("HT-2026-011", "North Office", BUY["n2"], "Crane spare parts", [("L1", "Wire rope", "36mm", "1500", "m", "96.80"), ("L2", "Brake pad", "BP-9", "40", "pcs", "1150.00")], seller=SELLER_EN, owner="Zhang Wei")
rep = b.record("deviationReport", "salesRep", "2026-06-02T02:00:00Z", hasAttachments=False, summary="Brake pads failed incoming inspection (batch 3).", proposedHandling="Replace the batch at our cost.")
b.record("leaderDecision", "salesHead", "2026-06-03T02:00:00Z", report=rep, by="李娜", date="2026-06-03", text="Approve replacement; claim cost from the supplier.")
b.record("complaint", "salesRep", "2026-06-01T02:00:00Z", date="2026-06-01", content="Brake pads cracked on installation.", measures="Stop installation; replace batch.")
b.record("delivery", "salesRep", "2026-05-15T02:00:00Z", lineItem="L1", date="2026-05-15", quantity="1500", quality="OK")
entries.append(b)

# 12. Executing after an approved change (extra delivery allowed and a new deadline).
b = executing("HT-2026-012", "华东办事处", BUY["hd2"], "纺织机械配件", [("L1", "罗拉", "FA506", "300", "根", "145.00"), ("L2", "锭子", "D-12", "1000", "个", "12.60")])
req = b.record("changeRequest", "salesRep", "2026-06-10T02:00:00Z", reason="买方追加少量备件并要求延期交货。", content="允许 L2 超量交付 5%;交货期限顺延至 2026-11-30。")
b.record("review", "management", "2026-06-11T02:00:00Z", stage="change", decision="approve", opinion="同意变更。", subject=req)
b.record("changeAgreement", "contractAdmin", "2026-06-15T02:00:00Z", request=req, fields=["deliveryDeadline"], signedDate="2026-06-15", approvedBy="赵强", allowsExtraDelivery=True)
b.terms(deliveryDeadline="2026-11-30")
b.record("delivery", "salesRep", "2026-07-01T02:00:00Z", lineItem="L2", date="2026-07-01", quantity="1040")
b.record("correspondence", "salesRep", "2026-06-16T02:00:00Z", type="supplementaryAgreement", date="2026-06-15", summary="补充协议第 1 号(延期及超量交付)。", file="HT-2026-012-补充协议1.pdf")
entries.append(b)

# 13. Purchase contract executing: invoice, risky shipment request, inspection.
b = Builder("HT-2026-013", "purchase", "executing", "华南办事处", "张伟", BUY["hn2"])
b.items([("L1", "叉车", "CPD30", "6", "台", "98000.00"), ("L2", "电池组", "80V", "6", "组", "21333.33")])
standard(b, "仓储叉车采购", "国企,信用良好。", deadline="2026-09-30")
ms2(b, "2026-04-01", "2026-10-31")
b.reviews("2026-03-10")
b.sign("2026-03-20", "2026-03-25", name="陈海", capacity="authorizedAgent")
b.record("riskyShipmentRequest", "salesRep", "2026-04-02T02:00:00Z", items="叉车 CPD30", quantity="3", value="294000.00", reason="预付款尚未到账", outstandingBalance="358499.99", requester="张伟", decision="同意先发 3 台")
b.record("invoice", "finance", "2026-04-05T02:00:00Z", invoiceNumber="44031234", date="2026-04-05", amount="358499.99")
b.record("inspection", "contractAdmin", "2026-05-01T02:00:00Z", date="2026-05-01", findings="发货记录缺少签收单。", rectification="补齐签收单。")
entries.append(b)

def finished(number, typ, status, office, buyer, subject, items=None, total=None, write_off=None, seller=SELLER_CN, owner="张伟"):
    b = Builder(number, typ, status, office, owner, buyer, seller=seller)
    if items: b.items(items)
    else: b.total(total)
    standard(b, subject, "信用良好。", quality=typ != "service", deadline="2025-10-31", expiry="2026-06-30")
    if typ == "service": b.terms(scope=subject + " (全部范围见附件)。", deliverables=["服务报告", "验收报告"])
    ms3(b, "2025-04-15", "2025-09-30", "2025-12-31")
    b.reviews("2025-03-20")
    b.sign("2025-04-01")
    for it in b.c.get("lineItems", []):
        b.record("delivery", "salesRep", "2025-08-01T02:00:00Z", lineItem=it["id"], date="2025-08-01", quantity=it["quantity"], quality="合格")
    b.record("acceptance", "salesRep", "2025-10-10T02:00:00Z", date="2025-10-10", result="passed", report="验收合格,无遗留问题。")
    total_d = D(b.c["totalAmount"])
    wo = D(write_off or "0")
    for n, m in enumerate(b.c["paymentMilestones"]):
        amt = D(m["amount"]) - (wo if n == len(b.c["paymentMilestones"]) - 1 else 0)
        b.record("paymentReceipt", "finance", f"2025-{4 + 3 * n:02d}-20T03:00:00Z", date=f"2025-{4 + 3 * n:02d}-20", amount=money(amt), method="电汇", milestone=m["id"], voucher=f"{number}-R{n + 1}")
    if write_off:
        b.record("writeOff", "finance", "2025-12-20T03:00:00Z", amount=money(wo), reason="尾差核销", approvedBy="赵强")
    b.record("settlement", "finance", "2025-12-28T03:00:00Z", date="2025-12-28", amount=money(total_d), summary="结算完毕。")
    return b

# 14. Completed goods contract.
entries.append(finished("HT-2025-014", "sales", "completed", "华东办事处", BUY["hd1"], "冲压模具",
                        [("L1", "冲压模具", "M-220", "3", "套", "76666.67"), ("L2", "备件包", "", "3", "套", "1200.00")]))
# 15. Completed service contract with a small write-off.
b = finished("HT-2025-015", "service", "completed", "North Office", BUY["n1"], "Substation commissioning service", total="150000.00", write_off="120.00", seller=SELLER_EN, owner="Zhang Wei")
b.record("customerFeedback", "salesRep", "2026-01-05T02:00:00Z", date="2026-01-05", content="Very satisfied with the commissioning team.", satisfaction="high")
entries.append(b)
# 16. Archived goods contract.
b = finished("HT-2025-016", "sales", "archived", "华南办事处", BUY["hn1"], "回流焊设备", [("L1", "回流焊炉", "RF-10", "1", "台", "268000.00")])
b.terms(archive={"archiveNo": "GD-2026-0016", "date": "2026-01-20", "paperLocation": "总部档案室 A-03-12", "destroyAfter": "2036-01-20"})
entries.append(b)
# 17. Archived service contract (renewed by HT-2026-019).
b = finished("HT-2025-017", "service", "archived", "华东办事处", BUY["hd2"], "年度设备维保服务", total="88000.00")
b.terms(archive={"archiveNo": "GD-2026-0017", "date": "2026-02-01", "paperLocation": "总部档案室 A-03-13"})
entries.append(b)

# 18. Terminated by mutual consent.
b = executing("HT-2026-018", "华南办事处", BUY["hn2"], "自动分拣线", [("L1", "分拣线", "AS-200", "1", "条", "560000.00")])
b.record("paymentReceipt", "finance", "2026-03-10T03:00:00Z", date="2026-03-10", amount=b.milestone_amount("M1"), method="电汇", milestone="M1")
treq = b.record("terminationRequest", "salesRep", "2026-04-20T02:00:00Z", reason="买方项目取消,双方协商解除。", writtenConsent=True)
b.record("review", "management", "2026-04-22T02:00:00Z", stage="termination", decision="approve", opinion="同意解除,预付款转为违约补偿。", subject=treq)
b.record("clauseExecution", "legal", "2026-04-23T02:00:00Z", clause="breach", event="买方单方取消项目", outcome="预付款不予退还")
b.c["status"] = "terminated"
entries.append(b)

# 19. Renewal of HT-2025-017, under initial review.
b = Builder("HT-2026-019", "service", "initialReview", "华东办事处", "张伟", BUY["hd2"])
standard(b, "年度设备维保服务 (续签)", "上一年度合同履行良好。", quality=False, deadline="2027-06-30", expiry="2027-06-30")
b.terms(signKind="renewal", renews="HT-2025-017", scope="全年设备巡检及故障维修。", deliverables=["巡检记录", "维修报告"])
b.total("92400.00")
ms2(b, None, None)
entries.append(b)

# 20. Cancelled while under review.
b = Builder("HT-2026-020", "sales", "cancelled", "North Office", "Zhang Wei", BUY["n2"], seller=SELLER_EN)
b.terms(subject="Gantry crane (cancelled)")
b.record("review", "salesHead", "2026-02-02T02:00:00Z", stage="initialReview", decision="reject", opinion="Customer withdrew the enquiry.")
entries.append(b)

# 21. Chinese contract number; executing with coordination records.
b = executing("华东-2026-021", "华东办事处", BUY["hd1"], "自动化装配线改造", [("L1", "装配工位", "AW-3", "6", "套", "45800.00"), ("L2", "安装调试", "", "1", "项", "36000.00")])
b.record("coordinationLetter", "salesAdmin", "2026-04-01T02:00:00Z", parties="卖方、买方、安装分包商", issue="现场电源改造滞后", agreedActions="买方 4 月 10 日前完成电源改造")
b.record("correspondence", "salesRep", "2026-04-02T02:00:00Z", type="meetingMinutes", date="2026-04-02", summary="三方协调会纪要")
b.record("customerFeedback", "salesRep", "2026-04-20T02:00:00Z", date="2026-04-20", content="安装进度满意。", satisfaction="medium")
b.terms(progressPlan=[{"id": "P1", "task": "工位安装", "date": "2026-05-15", "responsible": "工程部", "kpi": "6 套全部到位"}],
        trackingPlan={"goal": "6 月底前验收", "riskPoints": "现场电源", "measures": "每周例会跟踪"}, supervisor="孙丽")
entries.append(b)

# 22. A product order (产品订单) tracked as a contract, signed.
b = Builder("PO-2026-022", "sales", "signed", "西南办事处", "罗杰", BUY["w1"])
b.terms(source="productOrder")
b.items([("L1", "变频器", "VF-55kW", "10", "台", "12800.00"), ("L2", "电缆", "YJV 3×95", "350.25", "m", "186.43")])
standard(b, "变频器及电缆 (产品订单)", "新客户,已收取 50% 预付款。", deadline="2026-08-31", expiry="2026-12-31")
ms2(b, "2026-06-10", "2026-09-30")
b.terms(deposit="5000.00")
b.reviews("2026-06-01")
b.sign("2026-06-05")
entries.append(b)

# 23. A framework agreement draft (requisition fax source).
b = Builder("FA-2026-023", "framework", "draft", "华南办事处", "张伟", BUY["hn1"])
b.terms(source="requisitionFax", subject="年度框架采购协议 (要货传真件)", template={"id": "TPL-FW", "version": "2026.1"})
entries.append(b)

# 24. The demonstration's contract (`accord demo`, with HT-2026-002): a complete Chinese draft whose
# breach clause has three numbered lines, so two replicas can edit different lines of it.
b = Builder("HT-2026-024", "sales", "draft", "华东办事处", "Li Wei", BUY["hd1"])
b.items([("L1", "数控车床", "CK6150", "2", "台", "58000.00"), ("L2", "液压尾座", "HT-50", "2", "套", "2000.00")])
standard(b, "数控车床及配件", "合作三年,回款及时,信用良好。", deadline="2027-03-31", expiry="2027-12-31", payment="电汇")
b.terms(breachLiability="第一条 违约方应赔偿守约方因此遭受的全部损失。\n第二条 逾期交货的，每日按未交货部分价款的万分之五支付违约金。\n第三条 逾期付款的，每日按未付款项的万分之五支付违约金。")
b.milestones([("M1", "advance", "30", None, "签订后 7 日内"), ("M2", "balance", "70", None, "验收合格后 30 日内")])
entries.append(b)

groups = {
    "drafts-and-reviews.json": ["HT-2026-001", "HT-2026-002", "HT-2026-003", "HT-2026-004", "HT-2026-005", "HT-2026-006", "HT-2026-019", "HT-2026-020", "FA-2026-023", "HT-2026-024"],
    "signed-and-executing.json": ["HT-2026-007", "HT-2026-008", "HT-2026-009", "HT-2026-010", "HT-2026-011", "HT-2026-012", "HT-2026-013", "华东-2026-021", "PO-2026-022"],
    "closed.json": ["HT-2025-014", "HT-2025-015", "HT-2025-016", "HT-2025-017", "HT-2026-018"],
}
by_number = {b.number: b for b in entries}
assert sorted(sum(groups.values(), [])) == sorted(by_number), "every fixture in exactly one file"
for fname, numbers in groups.items():
    with open(os.path.join(HERE, fname), "w", encoding="utf-8") as f:
        json.dump([by_number[n].entry() for n in numbers], f, ensure_ascii=False, indent=2)
        f.write("\n")
# The demonstration embeds its two contracts (so `accord demo` needs no files); they are these
# fixtures, written here so the two never drift (a test compares them too).
DEMO = ["HT-2026-024", "HT-2026-002"]
demo_json = json.dumps([{"contract": by_number[n].entry()["contract"]} for n in DEMO], ensure_ascii=False, indent=2)
assert '"""#' not in demo_json
with open(os.path.join(HERE, "..", "..", "Sources", "accord", "Commands", "DemoData.swift"), "w", encoding="utf-8") as f:
    f.write("// Generated by Fixtures/contracts/generate.py from the fixtures " + " and ".join(DEMO) + ": do not edit.\n\n")
    f.write("/// Contracts the demonstration starts from (embedded, so `accord demo` needs no files).\n")
    f.write("enum DemoData {\n    static let numbers = " + json.dumps(DEMO) + "\n    static let contracts = #\"\"\"\n")
    f.write(demo_json + "\n\"\"\"#\n}\n")
print(f"{len(entries)} contracts in {len(groups)} files")
