import ArgumentParser
import AccordStore
import AccordContracts
import AccordReports

struct Todo: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "todo", abstract: "What waits for me (待办): reviews, requests, decisions, conflicts, and what is due on my contracts.",
        discussion: """
        From your role (user.role / ACCORD_ROLE), office (user.office / ACCORD_OFFICE) and name (user.name): \
        reviews at stages your role approves (not contracts you submitted), approved contracts to sign, \
        change and termination requests to decide, deviation reports waiting for a leader decision, \
        risky-shipment requests (management), conflicts (contractAdmin, and the owner), and on contracts \
        you own: execution results to record, signed contracts to start, expiring or expired contracts, \
        overdue milestones and lines past their deadline. Office roles (salesRep, salesAdmin, salesHead, \
        businessOffice, contractSpecialist) see their office's contracts; head-office roles see all.
        """)

    @Option(name: .customLong("as-of"), help: "As of this day (YYYY-MM-DD; default today).") var asOf: String?
    @Option(help: "Days ahead for expiry and start (default: accord.reminders.expiryDays, else 30).") var within: Int?
    @Flag(help: "Print JSON.") var json = false

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let day = try asOf.map { try ReportOptions.date($0, "--as-of") } ?? CivilDate.today()
        let days = try within ?? ReportData.expiryDays(s)
        guard days >= 0 else { throw ContractFailure("--within: must be 0 or more days, not \(days)") }
        let (facts, unreadable) = try ReportData.facts(s)
        let me = TodoActor(name: who.name, email: who.email, role: actor.role, office: actor.office)
        let items = TodoQueue.items(facts, actor: me, policy: s.store.policy, asOf: day, within: days)
        let out = Output.stdout
        if json {
            out.write(JSON.object([
                "asOf": .string(day.description), "name": .string(who.name), "role": .string(actor.role.code), "office": .string(actor.office),
                "items": .array(items.map(\.json)),
            ]).canonical)
        } else {
            out.line("待办 to do for \(Output.oneLine(who.name)) (\(actor.role.code) \(actor.role.label)\(actor.office.isEmpty ? "" : ", " + Output.oneLine(actor.office))) as of \(day): \(items.count) item\(items.count == 1 ? "" : "s")")
            Todo.print(items, to: out)
        }
        if !unreadable.isEmpty { throw CheckFailed() }
    }

    static func print(_ items: [TodoItem], to out: Output) {
        let kw = items.map { SafeText.width($0.kind) }.max() ?? 0, nw = items.map { SafeText.width(Output.oneLine($0.number)) }.max() ?? 0
        for i in items {
            out.line("  " + SafeText.padRight(i.kind, kw) + "  " + SafeText.padRight(Output.oneLine(i.number), nw) + "  " + Output.oneLine(i.detail))
        }
    }
}

struct Remind: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "remind", abstract: "A reminder digest per owner (合同到期提醒, 逾期), as text or JSON, for a daily job to mail.",
        discussion: "For each owner: contracts expiring within N days or expired and not renewed, signed contracts to start, overdue milestones, lines past their deadline, decided deviations without an execution result.")

    @Option(name: .customLong("as-of"), help: "As of this day (YYYY-MM-DD; default today).") var asOf: String?
    @Option(help: "Days ahead (default: accord.reminders.expiryDays, else 30).") var within: Int?
    @Option(help: "Only this owner.") var owner: String?
    @Flag(help: "Print JSON.") var json = false

    func execute() throws {
        let s = try ContractSession()
        let day = try asOf.map { try ReportOptions.date($0, "--as-of") } ?? CivilDate.today()
        let days = try within ?? ReportData.expiryDays(s)
        guard days >= 0 else { throw ContractFailure("--within: must be 0 or more days, not \(days)") }
        let (facts, unreadable) = try ReportData.facts(s)
        let digest = TodoQueue.digest(facts, asOf: day, within: days, owner: owner)
        let out = Output.stdout
        if json {
            out.write(JSON.object([
                "asOf": .string(day.description), "within": .number(String(days)),
                "owners": .array(digest.map { .object(["owner": .string($0.owner), "items": .array($0.items.map(\.json))]) }),
            ]).canonical)
        } else {
            for (k, d) in digest.enumerated() {
                if k > 0 { out.line("") }
                out.line("\(Output.oneLine(d.owner.isEmpty ? "(no owner)" : d.owner)) — \(d.items.count) item\(d.items.count == 1 ? "" : "s") as of \(day)")
                Todo.print(d.items, to: out)
            }
        }
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}
