import Foundation
import Testing

/// Bad contract input through the CLI: exit 128, a `fatal:` message naming the field (and the
/// invariant), and nothing written: refs, the contract's commit count and the object store unchanged.
@Suite struct ContractBadInputTests {
    /// A repository with the signed/executing fixtures and one complete draft, HT-D.
    static func repo() -> ContractRepo {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1]) // signed-and-executing.json
        r.ok("salesRep", salesContractArgs("HT-D"))
        return r
    }

    /// Runs `args` as `role`, expects a refusal naming `mentions`, and that nothing changed.
    static func refused(_ r: ContractRepo, _ role: String, _ args: [String], mentions: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let refs = r.refs(), objects = r.objectCount()
        let res = r.run(role, args)
        expectRefused(res, args.joined(separator: " "), mentions: mentions, sourceLocation: sourceLocation)
        #expect(res.stdout.isEmpty, "nothing printed on stdout: \(res.out)", sourceLocation: sourceLocation)
        #expect(r.refs() == refs, "refs unchanged after \(args)", sourceLocation: sourceLocation)
        #expect(r.objectCount() == objects, "no object written by \(args)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["12,000", "1e5", "-3", "0.001", "NaN", "1 000", "+5", ".5", "5.", "１２", "1000000000000000",
                      "999999999999999999999999.00"])
    func badAmounts(amount: String) {
        let r = Self.repo()
        let count = r.commits("HT-D").count
        Self.refused(r, "salesRep", ["set", "HT-D", "totalAmount=\(amount)"], mentions: ["totalAmount"])
        Self.refused(r, "salesRep", ["set", "HT-D", "lineItems[L1].unitPrice=\(amount)"], mentions: ["lineItems[0].unitPrice"])
        Self.refused(r, "salesRep", ["new", "HT-NEW", "--type", "sales", "totalAmount=\(amount)"], mentions: ["totalAmount"])
        Self.refused(r, "finance", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=\(amount)"], mentions: ["amount"])
        #expect(r.commits("HT-D").count == count)
        #expect(r.commits("HT-NEW").isEmpty)
    }

    /// Values at the limit are accepted one by one, but a product or sum beyond it is refused by
    /// invariant 3, never an arithmetic trap (the process used to die with exit 132 here).
    @Test func hugeProductsAreRefusedNotCrashes() {
        let r = Self.repo()
        let big = "999999999999999"
        Self.refused(r, "salesRep", ["item", "add", "HT-D", "L9", "name=n", "quantity=\(big)", "unitPrice=\(big).99"],
                     mentions: ["lineItems", "too large", "invariant 3"])
        Self.refused(r, "salesRep", ["item", "add", "HT-D", "L9", "name=n", "quantity=\(big).999", "unitPrice=\(big).99"],
                     mentions: ["lineItems", "too large", "invariant 3"])
        // Each line fits; their sum does not.
        r.ok("salesRep", ["item", "add", "HT-D", "L8", "name=n", "quantity=1", "unitPrice=600000000000000.00"])
        Self.refused(r, "salesRep", ["item", "add", "HT-D", "L9", "name=n", "quantity=1", "unitPrice=600000000000000.00"],
                     mentions: ["lineItems", "sum", "invariant 3"])
    }

    @Test func negativeAndZeroValuesNameTheInvariant() {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["set", "HT-D", "totalAmount=-3"], mentions: ["totalAmount", "invariant 3"])
        Self.refused(r, "salesRep", ["set", "HT-D", "lineItems[L1].quantity=-3"], mentions: ["lineItems[0].quantity", "invariant 3"])
        Self.refused(r, "salesRep", ["set", "HT-D", "lineItems[L1].quantity=0"], mentions: ["lineItems[0].quantity", "invariant 3"])
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "delivery", "lineItem=L1", "date=2026-04-01", "quantity=0"], mentions: ["quantity", "invariant 3"])
        Self.refused(r, "salesRep", ["set", "HT-D", "currency=yuan"], mentions: ["currency", "invariant 3"])
    }

    @Test func impossibleAndOutOfOrderDates() {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["set", "HT-D", "deliveryDeadline=2026-02-30"], mentions: ["deliveryDeadline", "2026-02-30"])
        Self.refused(r, "salesRep", ["set", "HT-D", "deliveryDeadline=2026-13-01"], mentions: ["deliveryDeadline"])
        Self.refused(r, "salesRep", ["set", "HT-D", "deliveryDeadline=2026-6-30"], mentions: ["deliveryDeadline"])
        Self.refused(r, "salesRep", ["set", "HT-D", "expiryDate=2025-02-29"], mentions: ["expiryDate"])
        // effective before sign; expiry before effective.
        Self.refused(r, "salesRep", ["set", "HT-D", "signDate=2026-03-10", "effectiveDate=2026-03-01"], mentions: ["effectiveDate", "invariant 7"])
        Self.refused(r, "salesRep", ["set", "HT-D", "effectiveDate=2027-01-05"], mentions: ["expiryDate", "invariant 7"])
        Self.refused(r, "salesRep", ["set", "HT-D", "deliveryDeadline=2027-03-01"], mentions: ["deliveryDeadline", "invariant 7"])
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "delivery", "lineItem=L1", "date=2026-02-30", "quantity=1"], mentions: ["date"])
    }

    @Test func signWithBadDates() {
        let r = Self.repo()
        // HT-D through review to approved, with signatory and signed text, so only the dates are wrong.
        r.ok("contractAdmin", "set", "HT-D", #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#) // a term: set on the draft
        r.ok("salesRep", "submit", "HT-D")
        r.ok("salesHead", "approve", "HT-D", "-m", "ok")
        r.ok("legal", "approve", "HT-D", "-m", "ok")
        r.ok("management", "approve", "HT-D", "-m", "ok")
        r.ok("contractAdmin", "attach", "HT-D", r.s.dir.write("s.pdf", "%PDF signed"), "--kind", "original")
        Self.refused(r, "management", ["sign", "HT-D", "--date", "2026-02-30"], mentions: ["signDate"])
        Self.refused(r, "management", ["sign", "HT-D", "--date", "2026-03-10", "--effective", "2026-03-01"], mentions: ["effectiveDate", "invariant 7"])
        Self.refused(r, "management", ["sign", "HT-D", "--date", "2026-03-01", "--effective", "2027-03-10"], mentions: ["expiryDate", "invariant 7"])
        Self.refused(r, "management", ["sign", "HT-D", "--date", utcDay(offset: 1)], mentions: ["signDate", "in the future", "invariant 7"])
        r.ok("management", "sign", "HT-D", "--date", "2026-03-01")
    }

    /// A record refers to the contract's attachments by name: an unknown name is refused, a known
    /// one is stored in the record's envelope.
    @Test func recordAttachmentsNameAttachmentsOfTheContract() {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["record", "HT-D", "correspondence", "type=letter", "date=2026-03-02", "summary=回函", "--attach", "letter.pdf"],
                     mentions: ["attachments", "letter.pdf", "not an attachment"])
        r.ok("salesRep", "attach", "HT-D", r.s.dir.write("letter.pdf", "%PDF letter"))
        r.ok("salesRep", "record", "HT-D", "correspondence", "type=letter", "date=2026-03-02", "summary=回函", "--attach", "letter.pdf")
        let rec = r.records("HT-D").first { $0["kind"] as? String == "correspondence" }
        #expect(rec?["attachments"] as? [String] == ["letter.pdf"], "\(String(describing: rec))")
    }

    @Test func unknownFields() {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["set", "HT-D", "colour=red"], mentions: ["colour", "unknown field"])
        Self.refused(r, "salesRep", ["set", "HT-D", "buyer.fax=123"], mentions: ["buyer.fax", "unknown field"])
        Self.refused(r, "salesRep", ["new", "HT-U", "--type", "sales", "totalAmout=100.00"], mentions: ["totalAmout", "unknown field"])
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "delivery", "lineItem=L1", "date=2026-04-01", "quantity=1", "colour=red"], mentions: ["colour"])
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "shipment", "date=2026-04-01"], mentions: ["kind", "shipment"])
        let f = r.s.dir.write("u.json", #"[{"contract": {"number": "HT-U2", "type": "sales", "colour": "red"}, "records": []}]"#)
        Self.refused(r, "salesRep", ["import", f], mentions: ["colour", "unknown field", "nothing imported"])
        let g = r.s.dir.write("u2.json", #"[{"contract": {"number": "HT-U3", "type": "sales"}, "records": [], "extra": 1}]"#)
        Self.refused(r, "salesRep", ["import", g], mentions: ["extra", "unknown field"])
    }

    @Test func illegalTransitions() {
        let r = Self.repo()
        Self.refused(r, "management", ["sign", "HT-D", "--date", "2026-03-01"], mentions: ["status", "cannot sign", "draft", "invariant 8"])
        Self.refused(r, "contractAdmin", ["complete", "HT-2026-007"], mentions: ["status", "cannot complete", "signed", "invariant 8"])
        Self.refused(r, "contractAdmin", ["archive", "HT-2026-009"], mentions: ["status", "invariant 8"])
        Self.refused(r, "salesRep", ["approve", "HT-D", "-m", "ok"], mentions: ["status", "invariant 8"])
        Self.refused(r, "salesRep", ["submit", "HT-2026-007"], mentions: ["status", "invariant 8"])
        // Executing → completed without delivery, acceptance and receipts.
        Self.refused(r, "contractAdmin", ["complete", "HT-2026-009"], mentions: ["status", "invariant 10"])
        // status only moves through lifecycle commands.
        Self.refused(r, "salesRep", ["set", "HT-D", "status=approved"], mentions: ["status", "invariant 8"])
    }

    /// An import registers a contract at its status: past draft, only contract administration may,
    /// and only with the approvals that status implies (HT-2026-006 is approved).
    @Test func importPastDraftNeedsARegistrarAndItsReviews() throws {
        let r = Self.repo()
        let all = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ContractRepo.fixtureFiles[0]))) as? [[String: Any]])
        var entry = try #require(all.first { ($0["contract"] as? [String: Any])?["number"] as? String == "HT-2026-006" })
        var contract = try #require(entry["contract"] as? [String: Any])
        contract["number"] = "HT-IMP"
        entry["contract"] = contract
        func file(_ e: [String: Any]) throws -> String {
            r.s.dir.write("imp.json", String(decoding: try JSONSerialization.data(withJSONObject: [e]), as: UTF8.self))
        }
        Self.refused(r, "salesRep", ["import", try file(entry)], mentions: ["status", "contractAdmin", "invariant 8", "nothing imported"])
        var unreviewed = entry
        unreviewed["records"] = (entry["records"] as? [[String: Any]] ?? []).filter { !($0["kind"] as? String == "review" && $0["stage"] as? String == "secondReview") }
        Self.refused(r, "contractAdmin", ["import", try file(unreviewed)], mentions: ["status", "secondReview", "invariant 8", "nothing imported"])
        r.ok("contractAdmin", "import", try file(entry))
    }

    @Test func rolesMayOnlyApproveTheirStage() {
        let r = Self.repo()
        r.ok("salesRep", "submit", "HT-D")
        for role in ["legal", "finance", "management", "salesRep", "contractAdmin"] {
            Self.refused(r, role, ["approve", "HT-D", "-m", "同意"], mentions: ["status", "role \(role)", "initialReview", "invariant 8"])
            Self.refused(r, role, ["reject", "HT-D", "-m", "不同意"], mentions: ["role \(role)", "invariant 8"])
        }
        Self.refused(r, "salesHead", ["approve", "HT-D"], mentions: ["opinion"])
        r.ok("salesHead", "approve", "HT-D", "-m", "同意")
        Self.refused(r, "salesHead", ["approve", "HT-D", "-m", "同意"], mentions: ["role salesHead", "secondReview", "invariant 8"])
        // Finance reviews alongside legal: its approval is recorded, the stage passes when legal approves.
        r.ok("finance", "approve", "HT-D", "-m", "财务同意")
        #expect(r.contract("HT-D")["status"] as? String == "secondReview")
        r.ok("legal", "approve", "HT-D", "-m", "法务同意")
        Self.refused(r, "legal", ["approve", "HT-D", "-m", "同意"], mentions: ["role legal", "finalReview", "invariant 8"])
        // Only change approvers approve change requests.
        Self.refused(r, "legal", ["approve", "HT-2026-012", "--change", "whatever", "-m", "ok"], mentions: ["role legal", "invariant 8"])
        Self.refused(r, "management", ["approve", "HT-2026-012", "--change", "no-such-request", "-m", "ok"], mentions: ["no-such-request"])
        Self.refused(r, "management", ["sign", "HT-D"], mentions: ["cannot sign", "invariant 8"])
        Self.refused(r, "salesRep", ["cancel", "HT-2026-007"], mentions: ["invariant 8"])
    }

    @Test func frozenFieldsAfterSigning() {
        let r = Self.repo()
        // Each edit is otherwise valid (sums, dates), so only frozenness refuses it.
        for assignment in ["deliveryDeadline=2026-09-01", "buyer.name=别的公司", "lineItems[L1].spec=CK6180", "breachLiability=无",
                           "signDate=2026-06-30", "currency=USD", "paymentMethod=承兑汇票", "subject=别的标的", "qualityStandard=ISO 9001", "acceptanceStandard=",
                           #"signatory={"name":"李四","capacity":"authorizedAgent"}"#, "paymentMilestones[M3].trigger=到货后"] {
            let path = String(assignment.prefix { $0 != "=" && $0 != "." && $0 != "[" })
            Self.refused(r, "contractAdmin", ["set", "HT-2026-007", assignment], mentions: [path, "frozen", "invariant 9"])
        }
        Self.refused(r, "contractAdmin", ["item", "add", "HT-2026-007", "L9", "name=赠品", "quantity=1", "unitPrice=0.00"], mentions: ["lineItems", "frozen", "invariant 9"])
        Self.refused(r, "contractAdmin", ["item", "set", "HT-2026-007", "L2", "unit=件"], mentions: ["lineItems", "frozen", "invariant 9"])
        // A change agreement id that is not a change agreement.
        Self.refused(r, "contractAdmin", ["set", "HT-2026-007", "deliveryDeadline=2026-09-01", "--change-agreement", "nope"], mentions: ["deliveryDeadline", "nope", "invariant 9"])
        // The agreement of HT-2026-012 covers deliveryDeadline only.
        let agreement = r.records("HT-2026-012").first { $0["kind"] as? String == "changeAgreement" }?["id"] as? String ?? "?"
        Self.refused(r, "contractAdmin", ["set", "HT-2026-012", "paymentMethod=承兑汇票", "--change-agreement", agreement], mentions: ["paymentMethod", "not among the fields", "invariant 9"])
        // Editable fields stay editable.
        r.ok("contractAdmin", "set", "HT-2026-007", "owner=周敏", "supervisor=孙丽")
        r.ok("contractAdmin", "set", "HT-2026-012", "deliveryDeadline=2026-12-15", "--change-agreement", agreement)
        // An agreement authorises one change: naming it again is refused, with the commit that used it.
        let used = r.commits("HT-2026-012")[0]
        Self.refused(r, "contractAdmin", ["set", "HT-2026-012", "deliveryDeadline=2026-12-20", "--change-agreement", agreement],
                     mentions: [agreement, "already applied", String(used.prefix(12)), "invariant 9"])
        // …and it is only for frozen fields.
        Self.refused(r, "contractAdmin", ["set", "HT-2026-007", "owner=王芳", "--change-agreement", agreement],
                     mentions: [agreement, "no frozen field", "invariant 9"])
    }

    @Test func duplicateNumbers() {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["new", "HT-2026-007", "--type", "sales"], mentions: ["HT-2026-007", "already exists"])
        Self.refused(r, "salesRep", salesContractArgs("HT-D"), mentions: ["HT-D", "already exists"])
        Self.refused(r, "contractAdmin", ["import", ContractRepo.fixtureFiles[1]], mentions: ["number", "already exists", "invariant 1", "nothing imported"])
        let twice = r.s.dir.write("twice.json", #"[{"number": "HT-T", "type": "sales"}, {"number": "HT-T", "type": "service"}]"#)
        Self.refused(r, "salesRep", ["import", twice], mentions: ["number", "HT-T", "twice", "invariant 1"])
    }

    @Test(arguments: ["a..b", "x.lock", "has space", "a/b", "-lead", ".hidden", "end.", "a:b", "a~1", "a^b", "a*b", "a?b", "a[b", "a\\b", "a@{b"])
    func invalidNumbers(number: String) {
        let r = Self.repo()
        Self.refused(r, "salesRep", ["new", "--type", "sales", "--", number], mentions: ["number", "invariant 1"])
        let f = r.s.dir.write("n.json", "[{\"number\": \(String(reflecting: number).replacingOccurrences(of: "\\\\", with: "\\\\")), \"type\": \"sales\"}]")
        let res = r.run("salesRep", ["import", f])
        #expect(res.status == 128 && res.err.contains("number"), "import \(number): \(res.err)")
        #expect(r.git("for-each-ref", "refs/contracts/").lines.count == 10)
    }

    @Test func receiptsAboveTheTotal() {
        let r = Self.repo()
        // HT-2026-009: total 65200.00, 19560.00 received.
        Self.refused(r, "finance", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=45640.01"], mentions: ["records", "65200.01", "invariant 5"])
        Self.refused(r, "finance", ["record", "HT-2026-009", "paymentReceipt", "date=2026-02-28", "amount=100.00"], mentions: ["date", "before the sign date", "invariant 5"])
        r.ok("finance", "record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=45640.00")
        Self.refused(r, "finance", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-02", "amount=0.01"], mentions: ["65200.01", "invariant 5"])
        // A receipt is corrected only by a receipt, from finance (or contract administration):
        // a tracking note or a sales rep's zero receipt cannot void it.
        let receipt = r.records("HT-2026-009").first { $0["kind"] as? String == "paymentReceipt" }?["id"] as? String ?? "?"
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "tracking", "customer=x", "--supersedes", receipt],
                     mentions: ["supersedes", "paymentReceipt", "invariant 13"])
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-03", "amount=0.00", "--supersedes", receipt],
                     mentions: ["supersedes", "finance", "invariant 13"])
    }

    @Test func importIsAllOrNothing() throws {
        let r = Self.repo()
        let data = try #require(FileManager.default.contents(atPath: ContractRepo.fixtureFiles[0]))
        var list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        // The first entries are valid; the last one's milestones no longer sum to its total.
        let at = try #require(list.firstIndex { ($0["contract"] as? [String: Any])?["number"] as? String == "HT-2026-019" })
        #expect(at == 6) // entry 7
        var last = list[at]
        var c = last["contract"] as? [String: Any] ?? [:]
        c["totalAmount"] = "92400.01"
        last["contract"] = c
        list[at] = last
        let f = r.s.dir.write("partly-bad.json", String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self))
        Self.refused(r, "contractAdmin", ["import", f], mentions: ["entry 7", "paymentMilestones", "invariant 4", "nothing imported"])
        for e in list {
            let number = (e["contract"] as? [String: Any])?["number"] as? String ?? ""
            #expect(r.commits(number).isEmpty, "\(number) was not imported")
        }
        // Broken JSON: the position of the error, nothing imported.
        let text = String(decoding: data, as: UTF8.self)
        let broken = r.s.dir.write("broken.json", String(text.prefix(text.count - 40)))
        Self.refused(r, "contractAdmin", ["import", broken], mentions: ["broken.json", "line "])
        let trailing = r.s.dir.write("trailing.json", #"[{"number": "HT-X", "type": "sales"},]"#)
        Self.refused(r, "contractAdmin", ["import", trailing], mentions: ["line 1, column"])
        let nan = r.s.dir.write("nan.json", #"[{"number": "HT-X", "type": "sales", "totalAmount": NaN}]"#)
        Self.refused(r, "contractAdmin", ["import", nan], mentions: ["line 1"])
        let exp = r.s.dir.write("exp.json", #"[{"number": "HT-X", "type": "sales", "totalAmount": 1e5}]"#)
        Self.refused(r, "contractAdmin", ["import", exp], mentions: ["totalAmount"])
        #expect(r.commits("HT-X").isEmpty)
        // Attachment bytes that do not match the listed blob id.
        let signedData = try #require(FileManager.default.contents(atPath: ContractRepo.fixtureFiles[1]))
        let signed = try #require(try JSONSerialization.jsonObject(with: signedData) as? [[String: Any]])
        var entry = signed[0]
        var c7 = entry["contract"] as? [String: Any] ?? [:]
        c7["number"] = "HT-COPY"
        entry["contract"] = c7
        var files = entry["files"] as? [String: Any] ?? [:]
        for k in files.keys { files[k] = "dGFtcGVyZWQ=" }
        entry["files"] = files
        let tampered = r.s.dir.write("tampered.json", String(decoding: try JSONSerialization.data(withJSONObject: [entry]), as: UTF8.self))
        Self.refused(r, "contractAdmin", ["import", tampered], mentions: ["files", "does not match", "nothing imported"])
        entry["files"] = nil
        let missing = r.s.dir.write("missing.json", String(decoding: try JSONSerialization.data(withJSONObject: [entry]), as: UTF8.self))
        Self.refused(r, "contractAdmin", ["import", missing], mentions: ["attachments[0]", "no content", "nothing imported"])
    }
}
