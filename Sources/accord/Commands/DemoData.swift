/// Contracts the demonstration starts from (embedded, so `accord demo` needs no files).
enum DemoData {
    static let contracts = #"""
[
  {
    "contract": {
      "breachLiability": "第一条 违约方应赔偿守约方因此遭受的全部损失。\n第二条 逾期交货的，每日按未交货部分价款的万分之五支付违约金。\n第三条 逾期付款的，每日按未付款项的万分之五支付违约金。",
      "buyer": { "address": "上海市浦东新区张江路 88 号", "contact": "王经理", "name": "华东机械有限公司", "phone": "021-5555-0101" },
      "currency": "CNY",
      "customerCredit": "合作三年，回款及时，信用良好",
      "deliveryDeadline": "2027-03-31",
      "deliveryMethod": "卖方送货至买方仓库",
      "disputeResolution": { "method": "arbitration", "venue": "上海国际仲裁中心" },
      "expiryDate": "2027-12-31",
      "lineItems": [
        { "id": "L1", "name": "数控车床", "quantity": "2", "spec": "CK6150", "unit": "台", "unitPrice": "58000.00" },
        { "id": "L2", "name": "液压尾座", "quantity": "2", "spec": "HT-50", "unit": "套", "unitPrice": "2000.00" }
      ],
      "number": "HT-2026-0101",
      "office": "华东办事处",
      "owner": "Li Wei",
      "paymentMethod": "电汇",
      "paymentMilestones": [
        { "amount": "36000.00", "id": "M1", "kind": "advance", "percent": "30", "trigger": "签订后 7 日内" },
        { "amount": "84000.00", "id": "M2", "kind": "balance", "percent": "70", "trigger": "验收合格后 30 日内" }
      ],
      "qualityStandard": "符合 GB/T 25659 国家标准",
      "risk": { "kind": "business", "likelihood": "low", "points": "交期紧", "severity": "medium" },
      "seller": { "name": "Accord 示范制造有限公司" },
      "subject": "数控车床及配件",
      "totalAmount": "120000.00",
      "type": "sales"
    }
  },
  {
    "contract": {
      "breachLiability": "Each party is liable for direct damages caused by its breach.",
      "buyer": { "contact": "Anna Berg", "name": "Nordic Steel AB", "phone": "+46 8 555 0100" },
      "currency": "EUR",
      "customerCredit": "New customer; bank reference checked",
      "deliveryDeadline": "2027-02-28",
      "deliveryMethod": "FCA Shanghai",
      "disputeResolution": { "method": "arbitration", "venue": "Stockholm" },
      "expiryDate": "2027-12-31",
      "lineItems": [ { "id": "L1", "name": "Servo motor", "quantity": "40", "spec": "SM-750", "unit": "pcs", "unitPrice": "450.00" } ],
      "number": "HT-2026-0102",
      "office": "North Office",
      "owner": "Zhang Min",
      "paymentMethod": "L/C at sight",
      "paymentMilestones": [ { "amount": "18000.00", "id": "M1", "kind": "balance", "percent": "100", "trigger": "shipment" } ],
      "qualityStandard": "IEC 60034",
      "risk": { "kind": "business", "likelihood": "medium", "points": "new customer", "severity": "low" },
      "seller": { "name": "Accord Demo Manufacturing Ltd" },
      "subject": "Servo motors",
      "totalAmount": "18000.00",
      "type": "sales"
    }
  }
]
"""#
}
