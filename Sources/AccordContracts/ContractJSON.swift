/// Contract ↔ JSON. Encoding omits absent optionals and empty lists, so the canonical bytes
/// depend only on the content. Decoding is strict and names the failing field.
extension Contract {
    public var json: JSON {
        var o: [String: JSON] = [:]
        func put(_ k: String, _ v: String?) { if let v { o[k] = .string(v) } }
        func money(_ k: String, _ v: Dec?) { if let v { o[k] = .string(v.formatted(decimals: 2)) } }
        func put(_ k: String, _ v: CivilDate?) { if let v { o[k] = .string(v.description) } }
        func list(_ k: String, _ v: [JSON]) { if !v.isEmpty { o[k] = .array(v) } }
        put("number", number)
        put("type", type.code)
        put("source", source.code)
        put("signKind", signKind.code)
        put("renews", renews)
        if let template { o["template"] = .object(["id": .string(template.id), "version": .string(template.version)]) }
        put("subject", subject)
        o["seller"] = seller.json
        o["buyer"] = buyer.json
        put("customerCredit", customerCredit)
        if let s = signatory {
            var so: [String: JSON] = ["name": .string(s.name), "capacity": .string(s.capacity.code)]
            if let a = s.authorization { so["authorization"] = .string(a) }
            o["signatory"] = .object(so)
        }
        put("owner", owner)
        put("office", office)
        put("projectManager", projectManager)
        put("supervisor", supervisor)
        if let r = risk {
            o["risk"] = .object(["kind": .string(r.kind.code), "severity": .string(r.severity.code),
                                 "likelihood": .string(r.likelihood.code), "points": .string(r.points)])
        }
        list("lineItems", lineItems.map { i in
            var io: [String: JSON] = ["id": .string(i.id), "name": .string(i.name), "quantity": .string(i.quantity.description),
                                      "unitPrice": .string(i.unitPrice.formatted(decimals: 2)),
                                      "lineAmount": .string(i.lineAmount.formatted(decimals: 2))]
            if !i.spec.isEmpty { io["spec"] = .string(i.spec) }
            if !i.unit.isEmpty { io["unit"] = .string(i.unit) }
            if let d = i.deadline { io["deadline"] = .string(d.description) }
            return .object(io)
        })
        money("totalAmount", totalAmount)
        put("currency", currency)
        if let taxRate { o["taxRate"] = .string(taxRate.description) }
        if let taxInclusive { o["taxInclusive"] = .bool(taxInclusive) }
        put("paymentMethod", paymentMethod)
        list("paymentMilestones", paymentMilestones.map { m in
            var mo: [String: JSON] = ["id": .string(m.id), "kind": .string(m.kind.code), "percent": .string(m.percent.description),
                                      "amount": .string(m.amount.formatted(decimals: 2))]
            if let d = m.due { mo["due"] = .string(d.description) }
            if let t = m.trigger { mo["trigger"] = .string(t) }
            return .object(mo)
        })
        money("deposit", deposit)
        put("deliveryMethod", deliveryMethod)
        put("deliveryDeadline", deliveryDeadline)
        put("scope", scope)
        list("deliverables", deliverables.map { .string($0) })
        list("schedule", schedule.map { s in
            .object(["id": .string(s.id), "start": .string(s.start.description), "end": .string(s.end.description),
                     "milestone": .string(s.milestone)])
        })
        put("qualityStandard", qualityStandard)
        put("acceptanceStandard", acceptanceStandard)
        put("serviceTerms", serviceTerms)
        put("afterSales", afterSales)
        put("responsibilities", responsibilities)
        put("confidentiality", confidentiality)
        put("breachLiability", breachLiability)
        if let d = disputeResolution { o["disputeResolution"] = .object(["method": .string(d.method.code), "venue": .string(d.venue)]) }
        put("terminationConditions", terminationConditions)
        put("signDate", signDate)
        put("effectiveDate", effectiveDate)
        if let e = expiryDate { o["expiryDate"] = .string(e.description) }
        list("progressPlan", progressPlan.map { p in
            var po: [String: JSON] = ["id": .string(p.id), "task": .string(p.task), "responsible": .string(p.responsible)]
            if let d = p.date { po["date"] = .string(d.description) }
            if let k = p.kpi { po["kpi"] = .string(k) }
            return .object(po)
        })
        if let t = trackingPlan {
            o["trackingPlan"] = .object(["goal": .string(t.goal), "riskPoints": .string(t.riskPoints), "measures": .string(t.measures)])
        }
        put("status", status.code)
        list("attachments", attachments.map { a in
            .object(["blob": .string(a.blob), "name": .string(a.name), "kind": .string(a.kind.code)])
        })
        if let a = archive {
            var ao: [String: JSON] = ["archiveNo": .string(a.archiveNo), "date": .string(a.date.description),
                                      "paperLocation": .string(a.paperLocation)]
            if let d = a.destroyAfter { ao["destroyAfter"] = .string(d.description) }
            o["archive"] = .object(ao)
        }
        return .object(o)
    }

    /// `doc` without derived values (line amounts), which the reader then recomputes.
    public static func droppingDerived(_ doc: JSON) -> JSON {
        guard case var .object(o) = doc, case let .array(items)? = o["lineItems"] else { return doc }
        o["lineItems"] = .array(items.map { item in
            guard case var .object(io) = item else { return item }
            io["lineAmount"] = nil
            return .object(io)
        })
        return .object(o)
    }

    /// The exact bytes of `contract.json`.
    public var canonicalJSON: String { json.canonical }

    public init(json: JSON) throws(ContractError) {
        var r = try FieldReader(json, path: "")
        let number = try r.requiredString("number")
        guard let type = try r.enumValue("type", ContractType.self) else { throw ContractError("type", "is required") }
        self.init(number: number, type: type)
        source = try r.enumValue("source", SourceDocument.self) ?? .contract
        signKind = try r.enumValue("signKind", SignKind.self) ?? .new
        renews = try r.string("renews")
        if var t = try r.nested("template") {
            template = TemplateRef(id: try t.requiredString("id"), version: try t.requiredString("version"))
            try t.finish()
        }
        subject = try r.string("subject") ?? ""
        seller = try Party(reading: r.nested("seller"))
        buyer = try Party(reading: r.nested("buyer"))
        customerCredit = try r.string("customerCredit")
        if var s = try r.nested("signatory") {
            guard let cap = try s.enumValue("capacity", SignatoryCapacity.self) else { throw ContractError(s.at("capacity"), "is required") }
            signatory = Signatory(name: try s.requiredString("name"), capacity: cap, authorization: try s.string("authorization"))
            try s.finish()
        }
        owner = try r.string("owner") ?? ""
        office = try r.string("office") ?? ""
        projectManager = try r.string("projectManager")
        supervisor = try r.string("supervisor")
        if var k = try r.nested("risk") {
            guard let kind = try k.enumValue("kind", RiskKind.self) else { throw ContractError(k.at("kind"), "is required") }
            guard let sev = try k.enumValue("severity", Level.self) else { throw ContractError(k.at("severity"), "is required") }
            guard let lik = try k.enumValue("likelihood", Level.self) else { throw ContractError(k.at("likelihood"), "is required") }
            risk = Risk(kind: kind, severity: sev, likelihood: lik, points: try k.string("points") ?? "")
            try k.finish()
        }
        var ids = Set<String>()
        for (n, item) in try r.list("lineItems").enumerated() {
            var i = try FieldReader(item, path: "lineItems[\(n)]")
            let id = try i.requiredString("id")
            guard ids.insert(id).inserted else { throw ContractError(i.at("id"), "duplicate line item id '\(id)'") }
            guard let q = try i.dec("quantity", decimals: 4) else { throw ContractError(i.at("quantity"), "is required") }
            guard let p = try i.dec("unitPrice", decimals: 2) else { throw ContractError(i.at("unitPrice"), "is required") }
            let line = LineItem(id: id, name: try i.requiredString("name"), spec: try i.string("spec") ?? "", quantity: q,
                                unit: try i.string("unit") ?? "", unitPrice: p, deadline: try i.date("deadline"))
            // lineAmount is derived; if given it must agree (a stale copy is an error, not data).
            if let given = try i.dec("lineAmount", decimals: 2), given != line.lineAmount {
                throw ContractError(i.at("lineAmount"), "is \(given.formatted(decimals: 2)) but quantity × unitPrice is \(line.lineAmount.formatted(decimals: 2))", rule: "invariant 2")
            }
            try i.finish()
            lineItems.append(line)
        }
        totalAmount = try r.dec("totalAmount", decimals: 2) ?? .zero
        currency = try r.string("currency") ?? "CNY"
        taxRate = try r.dec("taxRate", decimals: 4)
        taxInclusive = try r.bool("taxInclusive")
        paymentMethod = try r.string("paymentMethod") ?? ""
        ids = []
        for (n, item) in try r.list("paymentMilestones").enumerated() {
            var m = try FieldReader(item, path: "paymentMilestones[\(n)]")
            let id = try m.requiredString("id")
            guard ids.insert(id).inserted else { throw ContractError(m.at("id"), "duplicate milestone id '\(id)'") }
            guard let kind = try m.enumValue("kind", MilestoneKind.self) else { throw ContractError(m.at("kind"), "is required") }
            guard let pct = try m.dec("percent", decimals: 2) else { throw ContractError(m.at("percent"), "is required") }
            guard let amt = try m.dec("amount", decimals: 2) else { throw ContractError(m.at("amount"), "is required") }
            paymentMilestones.append(Milestone(id: id, kind: kind, percent: pct, amount: amt, due: try m.date("due"), trigger: try m.string("trigger")))
            try m.finish()
        }
        deposit = try r.dec("deposit", decimals: 2)
        deliveryMethod = try r.string("deliveryMethod") ?? ""
        deliveryDeadline = try r.date("deliveryDeadline")
        scope = try r.string("scope")
        for (n, d) in try r.list("deliverables").enumerated() {
            guard case let .string(s) = d else { throw ContractError("deliverables[\(n)]", "must be a string") }
            deliverables.append(s)
        }
        ids = []
        for (n, item) in try r.list("schedule").enumerated() {
            var s = try FieldReader(item, path: "schedule[\(n)]")
            let id = try s.requiredString("id")
            guard ids.insert(id).inserted else { throw ContractError(s.at("id"), "duplicate schedule id '\(id)'") }
            guard let start = try s.date("start") else { throw ContractError(s.at("start"), "is required") }
            guard let end = try s.date("end") else { throw ContractError(s.at("end"), "is required") }
            schedule.append(ScheduleEntry(id: id, start: start, end: end, milestone: try s.string("milestone") ?? ""))
            try s.finish()
        }
        qualityStandard = try r.string("qualityStandard")
        acceptanceStandard = try r.string("acceptanceStandard")
        serviceTerms = try r.string("serviceTerms")
        afterSales = try r.string("afterSales")
        responsibilities = try r.string("responsibilities")
        confidentiality = try r.string("confidentiality")
        breachLiability = try r.string("breachLiability") ?? ""
        if var d = try r.nested("disputeResolution") {
            guard let m = try d.enumValue("method", DisputeMethod.self) else { throw ContractError(d.at("method"), "is required") }
            disputeResolution = DisputeResolution(method: m, venue: try d.string("venue") ?? "")
            try d.finish()
        }
        terminationConditions = try r.string("terminationConditions")
        signDate = try r.date("signDate")
        effectiveDate = try r.date("effectiveDate")
        if let e = try r.string("expiryDate") {
            if e == "open-ended" { expiryDate = .openEnded }
            else { do { expiryDate = .date(try CivilDate.parse(e)) } catch { throw ContractError("expiryDate", error.description + " (or \"open-ended\")") } }
        }
        ids = []
        for (n, item) in try r.list("progressPlan").enumerated() {
            var p = try FieldReader(item, path: "progressPlan[\(n)]")
            let id = try p.requiredString("id")
            guard ids.insert(id).inserted else { throw ContractError(p.at("id"), "duplicate task id '\(id)'") }
            progressPlan.append(ProgressTask(id: id, task: try p.requiredString("task"), date: try p.date("date"),
                                             responsible: try p.string("responsible") ?? "", kpi: try p.string("kpi")))
            try p.finish()
        }
        if var t = try r.nested("trackingPlan") {
            trackingPlan = TrackingPlan(goal: try t.string("goal") ?? "", riskPoints: try t.string("riskPoints") ?? "",
                                        measures: try t.string("measures") ?? "")
            try t.finish()
        }
        status = try r.enumValue("status", Status.self) ?? .draft
        for (n, item) in try r.list("attachments").enumerated() {
            var a = try FieldReader(item, path: "attachments[\(n)]")
            let blob = try a.requiredString("blob")
            guard blob.utf8.count == 64, blob.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw ContractError(a.at("blob"), "must be a 64-digit lowercase object id")
            }
            guard let kind = try a.enumValue("kind", AttachmentKind.self) else { throw ContractError(a.at("kind"), "is required") }
            let name = try a.requiredString("name")
            if let why = InputRules.attachmentNameProblem(name) {
                throw ContractError(a.at("name"), "'\(name.debugDescriptionForMessages)' cannot name an attachment: it \(why)")
            }
            attachments.append(Attachment(blob: blob, name: name, kind: kind))
            try a.finish()
        }
        if var a = try r.nested("archive") {
            guard let d = try a.date("date") else { throw ContractError(a.at("date"), "is required") }
            archive = ArchiveInfo(archiveNo: try a.requiredString("archiveNo"), date: d,
                                  paperLocation: try a.string("paperLocation") ?? "", destroyAfter: try a.date("destroyAfter"))
            try a.finish()
        }
        try r.finish()
    }
}

extension Party {
    var json: JSON {
        var o: [String: JSON] = ["name": .string(name)]
        if !address.isEmpty { o["address"] = .string(address) }
        if !contact.isEmpty { o["contact"] = .string(contact) }
        if !phone.isEmpty { o["phone"] = .string(phone) }
        return .object(o)
    }

    init(reading reader: FieldReader?) throws(ContractError) {
        guard var r = reader else { self.init(); return }
        self.init(name: try r.string("name") ?? "", address: try r.string("address") ?? "",
                  contact: try r.string("contact") ?? "", phone: try r.string("phone") ?? "")
        try r.finish()
    }
}
