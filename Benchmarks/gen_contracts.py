#!/usr/bin/env python3
"""Writes N small contract-like JSON files (600-1500 bytes, similar structure, varying values)
into DIR/cNNNNN/contract.json, deterministically (seeded), for the store benchmark."""
import os, random, sys

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261122)
    offices = ["华东办事处", "华南办事处", "North Office", "West Office", "华北办事处"]
    buyers = ["上海精工机械有限公司", "Shenzhen Bright Optics Ltd", "北京华信科技股份有限公司",
              "Hangzhou Lakeside Foods", "成都天府物流有限公司", "Nordic Steel AB"]
    products = ["数控车床", "Servo motor", "液压泵", "Control cabinet", "传感器模组", "Conveyor belt"]
    for i in range(n):
        d = os.path.join(out, "c%03d" % (i // 100), "%05d" % i)
        os.makedirs(d, exist_ok=True)
        items = []
        total = 0
        for j in range(rng.randint(1, 4)):
            q, p = rng.randint(1, 50), rng.randint(100, 99999)
            total += q * p
            items.append('    {\n      "id": "L%d",\n      "name": "%s",\n      "quantity": "%d",\n'
                         '      "spec": "型号 %s-%d",\n      "unitPrice": "%d.00"\n    }'
                         % (j + 1, rng.choice(products), q, rng.choice("ABCDEFG"), rng.randint(100, 999), p))
        body = ('{\n  "buyer": {\n    "address": "%s路%d号",\n    "name": "%s"\n  },\n'
                '  "currency": "CNY",\n  "deliveryDeadline": "2027-%02d-%02d",\n'
                '  "lineItems": [\n%s\n  ],\n  "number": "HT-2026-%06d",\n  "office": "%s",\n'
                '  "paymentMethod": "电汇 T/T, 30%% advance, 70%% on acceptance",\n'
                '  "status": "%s",\n  "totalAmount": "%d.00"\n}\n'
                % (rng.choice(["中山", "人民", "Harbour", "解放"]), rng.randint(1, 999), rng.choice(buyers),
                   rng.randint(1, 12), rng.randint(1, 28), ",\n".join(items), i, rng.choice(offices),
                   rng.choice(["draft", "initialReview", "approved", "signed", "executing"]), total))
        with open(os.path.join(d, "contract.json"), "w", encoding="utf-8") as f:
            f.write(body)

main()
