import ArgumentParser
import AccordStore
import AccordContracts
import AccordReports

/// The filters and output options every report takes.
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("group-by"), help: "Group rows, with subtotals per currency: office, owner, customer, type, status, month, quarter.")
    var groupBy: String?
    @Option(help: "Only this contract type (repeatable): sales, service, purchase, framework.") var type: [String] = []
    @Option(help: "Only this status (repeatable; code or Chinese label).") var status: [String] = []
    @Option(help: "Only this office.") var office: String?
    @Option(help: "Only this owner.") var owner: String?
    @Option(help: "Only buyers whose name contains this text (case-insensitive).") var customer: String?
    @Option(help: "Only rows whose report date (see docs/reports.md) is in FROM..TO (inclusive, YYYY-MM-DD..YYYY-MM-DD).") var period: String?
    @Option(name: .customLong("as-of"), help: "Compute as of this day (YYYY-MM-DD; default today).") var asOf: String?
    @Option(help: "Output format: table, csv, json, html.") var format: String?
    @Flag(help: "Print JSON (same as --format json).") var json = false
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Option(help: "CSV: only this section (overdue has 'milestones' and 'lines').") var section: String?

    func query() throws -> ReportQuery {
        var q = ReportQuery(asOf: try asOf.map { try Self.date($0, "--as-of") } ?? CivilDate.today())
        for t in type { q.types.insert(try ContractType.argument(t, option: "--type", noun: "a contract type", withLabels: true)) }
        for v in status { q.statuses.insert(try Status.argument(v, option: "--status", noun: "a status")) }
        q.office = office; q.owner = owner; q.customer = customer
        if let groupBy {
            guard let g = GroupBy(rawValue: groupBy) else {
                throw ContractFailure("--group-by: '\(Output.oneLine(groupBy))' is not a grouping; use one of: \(GroupBy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            q.groupBy = g
        }
        if let period {
            let parts = period.components(separatedBy: "..")
            guard parts.count == 2 else { throw ContractFailure("--period: '\(Output.oneLine(period))' is not FROM..TO (e.g. 2026-01-01..2026-06-30)") }
            let from = try Self.date(parts[0], "--period"), to = try Self.date(parts[1], "--period")
            guard from <= to else { throw ContractFailure("--period: \(from) is after \(to)") }
            q.period = from...to
        }
        return q
    }

    func outputFormat() throws -> ReportFormat {
        if json { return .json }
        guard let format else { return .table }
        guard let f = ReportFormat(rawValue: format) else {
            throw ContractFailure("--format: '\(Output.oneLine(format))' is not a format; use one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return f
    }

    static func date(_ s: String, _ option: String) throws -> CivilDate {
        do { return try CivilDate.parse(s) } catch { throw ContractFailure("\(option): \(Output.oneLine(error.description))") }
    }

    /// Writes the report in the chosen format.
    func emit(_ report: Report) throws {
        let text: String
        switch try outputFormat() {
        case .table: text = report.table()
        case .csv:
            if let section, report.section(section) == nil {
                throw ContractFailure("--section: this report has no section '\(Output.oneLine(section))'; it has: \(report.sections.map(\.name).joined(separator: ", "))")
            }
            text = report.csv(section: section)
        case .json: text = report.json.canonical
        case .html: text = HTMLReport.page(for: report)
        }
        if let output { try FileIO.writeAtomically(output, Array(text.utf8)) } else { Output.stdout.write(text) }
    }
}

/// Reads every contract's facts, naming on stderr any that cannot be read (the report then
/// exits 1 after printing, so a script notices the total is short).
enum ReportData {
    /// Every contract's facts, from the report cache where the head has not moved.
    static func facts(_ s: ContractSession) throws -> (facts: [ContractFacts], unreadable: [String]) {
        let (facts, failures) = try ContractFailure.wrap { () throws(ContractStoreError) in try ReportSource.facts(s.store) }
        BadContractRef.report(failures)
        return (facts, failures.map(\.number))
    }

    /// `accord.reminders.expiryDays` (default 30).
    static func expiryDays(_ s: ContractSession) throws -> Int {
        guard let v = s.store.policySetting("accord.reminders.expiryDays") else { return 30 }
        guard let n = Int(v), n >= 0, n <= 3660 else { throw ContractFailure("accord.reminders.expiryDays: '\(Output.oneLine(v))' is not a number of days (0 to 3660)") }
        return n
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports (合同台账, expiring, overdue, receivables, monthly, performance) as a table, CSV, JSON or HTML.",
        discussion: "Money is totalled per currency, never across currencies. docs/reports.md defines each report.",
        subcommands: [LedgerReport.self, ExpiringReport.self, OverdueReport.self, ReceivablesReport.self, MonthlyReport.self, PerformanceReport.self, DashboardReport.self])
}

/// One report subcommand: builds its report from every contract's facts and writes it.
protocol ReportSubcommand: AccordCommand {
    var options: ReportOptions { get }
    func build(_ facts: [ContractFacts], _ q: ReportQuery, _ s: ContractSession) throws -> Report
}

extension ReportSubcommand {
    func execute() throws {
        let s = try ContractSession()
        let q = try options.query()
        _ = try options.outputFormat()
        let (facts, unreadable) = try ReportData.facts(s)
        var report = try build(facts, q, s)
        report.unreadable = unreadable
        try options.emit(report)
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}

struct LedgerReport: ReportSubcommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "The contract ledger 合同台账: every contract with its figures.")
    @OptionGroup var options: ReportOptions
    func build(_ facts: [ContractFacts], _ q: ReportQuery, _ s: ContractSession) throws -> Report { Reports.ledger(facts, q) }
}

struct ExpiringReport: ReportSubcommand {
    static let configuration = CommandConfiguration(commandName: "expiring", abstract: "Signed and executing contracts expiring soon, or expired and not renewed (合同到期提醒).")
    @OptionGroup var options: ReportOptions
    @Option(help: "Days ahead (default: accord.reminders.expiryDays, else 30).") var within: Int?
    func build(_ facts: [ContractFacts], _ q: ReportQuery, _ s: ContractSession) throws -> Report {
        var q = q
        q.within = try within ?? ReportData.expiryDays(s)
        guard q.within >= 0 else { throw ContractFailure("--within: must be 0 or more days, not \(q.within)") }
        return Reports.expiring(facts, q)
    }
}

struct OverdueReport: ReportSubcommand {
    static let configuration = CommandConfiguration(commandName: "overdue", abstract: "Milestones past due with aging buckets, and lines past their deadline (逾期).")
    @OptionGroup var options: ReportOptions
    func build(_ facts: [ContractFacts], _ q: ReportQuery, _ s: ContractSession) throws -> Report { Reports.overdue(facts, q) }
}

struct ReceivablesReport: ReportSubcommand {
    static let configuration = CommandConfiguration(commandName: "receivables", abstract: "What signed and executing contracts still owe, not due and overdue by age (应收).")
    @OptionGroup var options: ReportOptions
    func build(_ facts: [ContractFacts], _ q: ReportQuery, _ s: ContractSession) throws -> Report { Reports.receivables(facts, q) }
}

struct DashboardReport: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "One self-contained HTML page with SVG charts (receivables aging by office, expiries by month, receipts against milestones due) and the receivables, expiring and overdue reports.")
    @OptionGroup var options: ReportOptions

    func execute() throws {
        let s = try ContractSession()
        var q = try options.query()
        q.within = try ReportData.expiryDays(s)
        let (facts, unreadable) = try ReportData.facts(s)
        let page = HTMLReport.dashboard(facts, q)
        if let output = options.output { try FileIO.writeAtomically(output, Array(page.utf8)) } else { Output.stdout.write(page) }
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}

struct MonthlyReport: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "monthly",
        abstract: "The monthly office report (form 5): deliveries, receipts, deviations, contracts signed, completed, terminated, what falls due next month, monthly records.")
    @OptionGroup var options: ReportOptions
    @Option(help: "The month (YYYY-MM; default: the month before --as-of). --period FROM..TO reports every month it touches.") var month: String?

    func execute() throws {
        let s = try ContractSession()
        let q = try options.query()
        _ = try options.outputFormat()
        var months: [Month]
        if let month {
            guard let m = Month(month) else { throw ContractFailure("--month: '\(Output.oneLine(month))' is not a month: write YYYY-MM") }
            months = [m]
        } else if let p = q.period {
            months = []
            var m = Month(p.lowerBound)
            while m <= Month(p.upperBound), months.count < 1200 { months.append(m); m = m.next }
        } else { months = [Month(q.asOf).previous] }
        var q2 = q
        q2.period = nil // the months select the records; --period only names them
        let (facts, unreadable) = try ReportData.facts(s)
        var report = Reports.monthly(facts, months: months, q2)
        report.unreadable = unreadable
        try options.emit(report)
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}

struct PerformanceReport: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance",
        abstract: "Performance evaluation (履约绩效评估): delivery timeliness, acceptance, payment timeliness, complaints, an overall score and a written summary.",
        discussion: "Weights from accord.performance.weights (default delivery=40,quality=30,payment=20,complaints=10). --period limits the events judged.")
    @OptionGroup var options: ReportOptions
    @Option(help: "Per contract, owner or office.") var by: String = "contract"

    func execute() throws {
        let s = try ContractSession()
        let q = try options.query()
        _ = try options.outputFormat()
        guard ["contract", "owner", "office"].contains(by) else { throw ContractFailure("--by: '\(Output.oneLine(by))' is not one of: contract, owner, office") }
        var weights = PerformanceWeights()
        if let w = s.store.policySetting("accord.performance.weights") {
            do { weights = try PerformanceWeights(config: w) } catch { throw ContractFailure(error) }
        }
        let (facts, unreadable) = try ReportData.facts(s)
        var report = Reports.performance(facts, q, weights: weights, by: by)
        report.unreadable = unreadable
        try options.emit(report)
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}
