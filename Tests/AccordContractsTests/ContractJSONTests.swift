import Testing
@testable import AccordContracts

@Suite struct ContractJSONTests {
    @Test func everyFixtureRoundTrips() throws {
        #expect(Fixtures.entries.count >= 20)
        for e in Fixtures.entries {
            let s = try Fixtures.state(e)
            let number = s.contract.number
            // Contract → canonical JSON → Contract is the identity, and canonical bytes are stable.
            let text = s.contract.canonicalJSON
            let back = try Contract(json: try JSON.parse(text))
            #expect(back == s.contract, "\(number)")
            #expect(back.canonicalJSON == text, "\(number)")
            // Reading the canonical form gives the same contract as reading the fixture.
            #expect(try Contract(json: s.contract.json) == s.contract, "\(number)")
            for r in s.records {
                let rt = try Record(json: try JSON.parse(r.json.canonical))
                #expect(rt == r, "\(number) record \(r.id)")
                #expect(r.fileName.hasSuffix("-\(r.id).json") && r.fileName.count == 14 + 1 + 36 + 5)
            }
            #expect(s.records.map(\.json) == e["records"]?.array ?? [], "\(number): records are canonical")
            try Invariants.check(s, previous: nil)
        }
    }

    /// Stored blobs are parsed from their bytes: invalid UTF-8 inside a string is an error, never
    /// silently replaced; strings with and without escapes read back exactly.
    @Test func blobBytesAreParsedStrictly() throws {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(bytes: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D]) } // {"a":"\xFF"}
        #expect(throws: JSON.ParseError.self) { try JSON.parse(bytes: Array("{\"a\":\"x\\n".utf8) + [0xC3] + Array("\"}".utf8)) }
        let text = "{\"plain\": \"合同 A\", \"escaped\": \"line\\none \\\"q\\\" \\u00e9\"}"
        let parsed = try JSON.parse(bytes: Array(text.utf8))
        #expect(parsed["plain"]?.string == "合同 A")
        #expect(parsed["escaped"]?.string == "line\none \"q\" é")
        #expect(try JSON.parse(text) == parsed)
    }

    @Test func unknownFieldsAreRefusedEverywhere() throws {
        let base = try #require(Fixtures.entries.first { $0["contract"]?["number"]?.string == "HT-2026-010" })
        let contract = try #require(base["contract"])
        for path in ["colour", "buyer.fax", "risk.impact", "lineItems[L1].discount", "paymentMilestones[M1].note", "disputeResolution.court",
                     "signatory.title", "archive.box"] {
            do {
                let doc = try FieldPath.set(path, to: .string("x"), in: contract)
                _ = try Contract(json: doc)
                if path != "archive.box" { Issue.record("\(path) accepted") }
            } catch {
                #expect(error.message.contains("unknown field") || error.message.contains("required"), "\(path): \(error)")
            }
        }
        let record = try #require(base["records"]?.array?.first)
        guard case var .object(o) = record else { Issue.record("record is not an object"); return }
        o["colour"] = .string("red")
        #expect(throws: ContractError("record.colour", "unknown field")) { try Record(json: .object(o)) }
    }

    @Test func wrongTypesNameTheField() {
        func refuse(_ text: String, _ path: String) {
            do { _ = try Contract(json: try JSON.parse(text)); Issue.record("accepted \(text)") }
            catch let e as ContractError { #expect(e.path == path, "\(text): \(e)") }
            catch { Issue.record("\(text): \(error)") }
        }
        refuse(#"{"number": "A", "type": "sales", "totalAmount": true}"#, "totalAmount")
        refuse(#"{"number": "A", "type": "sales", "totalAmount": 1e5}"#, "totalAmount")
        refuse(#"{"number": "A", "type": "sales", "totalAmount": "12,000"}"#, "totalAmount")
        refuse(#"{"number": "A", "type": "lease"}"#, "type")
        refuse(#"{"number": "A"}"#, "type")
        refuse(#"{"type": "sales"}"#, "number")
        refuse(#"{"number": "A", "type": "sales", "signDate": "2026-02-30"}"#, "signDate")
        refuse(#"{"number": "A", "type": "sales", "expiryDate": "never"}"#, "expiryDate")
        refuse(#"{"number": "A", "type": "sales", "lineItems": [{"id": "L1", "name": "x", "quantity": "1", "unitPrice": "2.00", "lineAmount": "3.00"}]}"#, "lineItems[0].lineAmount")
        refuse(#"{"number": "A", "type": "sales", "lineItems": [{"id": "L1", "name": "x", "quantity": "1", "unitPrice": "2.00"}, {"id": "L1", "name": "y", "quantity": "1", "unitPrice": "2.00"}]}"#, "lineItems[1].id")
        refuse(#"{"number": "A", "type": "sales", "lineItems": [{"id": "L1", "name": "x", "quantity": "1.00001", "unitPrice": "2.00"}]}"#, "lineItems[0].quantity")
        refuse(#"{"number": "A", "type": "sales", "attachments": [{"blob": "abc", "name": "x", "kind": "original"}]}"#, "attachments[0].blob")
        refuse(#"{"number": "A", "type": "sales", "buyer": "ACME"}"#, "buyer")
    }

    @Test func chineseLabelsAreAcceptedAndStoredAsCodes() throws {
        let c = try Contract(json: try JSON.parse(#"{"number": "合同-1", "type": "销售", "status": "草拟", "signKind": "续签", "renews": "合同-0"}"#))
        #expect(c.type == .sales && c.signKind == .renewal)
        #expect(c.canonicalJSON.contains("\"type\": \"sales\"") && c.canonicalJSON.contains("\"signKind\": \"renewal\""))
    }
}
