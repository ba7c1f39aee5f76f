import Foundation
import Testing

/// `accord list` filters through the real binary: the exact set of contract numbers each returns.
@Suite struct ContractListCLITests {
    /// Six contracts with different offices, owners, buyers, statuses and expiry dates around today.
    static func repo() -> ContractRepo {
        let r = ContractRepo()
        let deadline = "deliveryDeadline=\(utcDay(offset: -60))"
        func make(_ n: String, _ extra: [String]) { r.ok("salesRep", salesContractArgs(n) + [deadline] + extra) }
        make("HT-L1", ["expiryDate=\(utcDay())"])
        make("HT-L2", ["owner=李娜", "buyer.name=华东机械有限公司二厂", "expiryDate=\(utcDay(offset: 30))"])
        make("HT-L3", ["office=华南办事处", "buyer.name=深圳市海岸电子有限公司", "expiryDate=\(utcDay(offset: 31))"])
        make("HT-L4", ["office=华南办事处", "owner=李娜", "buyer.name=广州珠江物流集团", "expiryDate=\(utcDay(offset: -1))"])
        make("HT-L5", ["office=North Office", "owner=Zhang Wei", "buyer.name=Northern Grid Equipment Ltd.", "expiryDate=\(utcDay(offset: 5))"])
        make("HT-L6", ["buyer.name=Bohai Port Services Co.", "expiryDate="])
        r.ok("salesRep", "submit", "HT-L2")
        r.ok("salesRep", "submit", "HT-L3")
        r.ok("salesRep", "cancel", "HT-L4")
        return r
    }

    static func numbers(_ r: ContractRepo, _ args: String..., sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let out = r.ok("salesRep", ["list"] + args, sourceLocation: sourceLocation)
        return out.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
    }

    @Test func filtersReturnExactlyTheMatchingContracts() {
        let r = Self.repo()
        #expect(Self.numbers(r) == ["HT-L1", "HT-L2", "HT-L3", "HT-L4", "HT-L5", "HT-L6"])
        // Status, by code or Chinese label.
        #expect(Self.numbers(r, "--status", "initialReview") == ["HT-L2", "HT-L3"])
        #expect(Self.numbers(r, "--status", "初审") == ["HT-L2", "HT-L3"])
        #expect(Self.numbers(r, "--status", "draft") == ["HT-L1", "HT-L5", "HT-L6"])
        #expect(Self.numbers(r, "--status", "作废") == ["HT-L4"])
        #expect(Self.numbers(r, "--status", "signed") == [])
        // Type, by code or Chinese label, repeatable.
        #expect(Self.numbers(r, "--type", "sales") == ["HT-L1", "HT-L2", "HT-L3", "HT-L4", "HT-L5", "HT-L6"])
        #expect(Self.numbers(r, "--type", "purchase") == [])
        #expect(Self.numbers(r, "--type", "采购", "--type", "销售", "--status", "作废") == ["HT-L4"])
        // Office and owner match exactly.
        #expect(Self.numbers(r, "--office", "华南办事处") == ["HT-L3", "HT-L4"])
        #expect(Self.numbers(r, "--office", "North Office") == ["HT-L5"])
        #expect(Self.numbers(r, "--office", "华南") == [])
        #expect(Self.numbers(r, "--owner", "张伟") == ["HT-L1", "HT-L3", "HT-L6"])
        #expect(Self.numbers(r, "--owner", "李娜") == ["HT-L2", "HT-L4"])
        // Customer: part of the buyer's name, case-insensitive.
        #expect(Self.numbers(r, "--customer", "华东机械") == ["HT-L1", "HT-L2"])
        #expect(Self.numbers(r, "--customer", "northern GRID") == ["HT-L5"])
        #expect(Self.numbers(r, "--customer", "有限公司") == ["HT-L1", "HT-L2", "HT-L3"])
        // Expiry: from today (included) to today + N (included); expired and open-ended never.
        #expect(Self.numbers(r, "--expires-within", "0") == ["HT-L1"])
        #expect(Self.numbers(r, "--expires-within", "5") == ["HT-L1", "HT-L5"])
        #expect(Self.numbers(r, "--expires-within", "30") == ["HT-L1", "HT-L2", "HT-L5"])
        #expect(Self.numbers(r, "--expires-within", "31") == ["HT-L1", "HT-L2", "HT-L3", "HT-L5"])
        #expect(Self.numbers(r, "--expires-within", "100000") == ["HT-L1", "HT-L2", "HT-L3", "HT-L5"])
        // Filters combine with AND.
        #expect(Self.numbers(r, "--office", "华东办事处", "--owner", "张伟", "--expires-within", "30") == ["HT-L1"])
        #expect(Self.numbers(r, "--status", "initialReview", "--expires-within", "30") == ["HT-L2"])
        #expect(Self.numbers(r, "--status", "draft", "--customer", "华东") == ["HT-L1"])
        #expect(Self.numbers(r, "--owner", "李娜", "--office", "华东办事处", "--status", "cancelled") == [])
    }

    @Test func rowsAndJSONLines() throws {
        let r = Self.repo()
        // One row: number, status label, buyer, total, currency, office (CJK counts two columns).
        let rows = r.ok("salesRep", "list", "--owner", "张伟", "--status", "draft", "--customer", "华东").split(separator: "\n")
        #expect(rows == ["HT-L1           草拟      华东机械有限公司            132000.00     CNY 华东办事处"])

        let lines = r.ok("salesRep", "list", "--json", "--expires-within", "30").split(separator: "\n")
        let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(objects.count == 3)
        #expect(objects.compactMap { $0["number"] as? String } == ["HT-L1", "HT-L2", "HT-L5"])
        let l2 = try #require(objects.first { $0["number"] as? String == "HT-L2" })
        #expect(jsonText(l2) == jsonText([
            "number": "HT-L2", "status": "initialReview", "type": "sales", "buyer": "华东机械有限公司二厂", "office": "华东办事处",
            "owner": "李娜", "totalAmount": "132000.00", "received": "0.00", "currency": "CNY", "expiryDate": utcDay(offset: 30),
            "conflicted": false,
        ] as [String: Any]), "\(l2)")
        let l6 = r.ok("salesRep", "list", "--json", "--customer", "Bohai")
        #expect(l6.contains(#""expiryDate":null"#) && l6.contains(#""number":"HT-L6""#))
    }

    @Test func badFilterValues() {
        let r = Self.repo()
        let status = r.run("salesRep", ["list", "--status", "done"])
        expectRefused(status, "unknown status", mentions: ["status", "'done' is not a status", "initialReview"])
        #expect(status.stdout.isEmpty)
        let type = r.run("salesRep", ["list", "--type", "lease"])
        expectRefused(type, "unknown type", mentions: ["type", "'lease' is not a contract type", "purchase"])
        let days = r.run("salesRep", ["list", "--expires-within", "soon"])
        #expect(days.status == 64 && days.stdout.isEmpty, "\(days.status) \(days.err)")
    }
}
