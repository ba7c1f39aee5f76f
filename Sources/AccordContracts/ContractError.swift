/// Why a contract, record or change was refused: the field (a dotted path), the rule, and
/// what to do about it.
public struct ContractError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var rule: String
    public var message: String

    public init(_ path: String, _ message: String, rule: String = "") {
        self.path = path; self.message = message; self.rule = rule
    }

    public var description: String {
        (path.isEmpty ? "" : "\(path): ") + message + (rule.isEmpty ? "" : " [\(rule)]")
    }
}

/// Reads one JSON object field by field, refusing unknown keys, with the dotted path in errors.
struct FieldReader {
    let object: [String: JSON]
    let path: String
    private(set) var used: Set<String> = []

    init(_ json: JSON, path: String) throws(ContractError) {
        guard case let .object(o) = json else { throw ContractError(path, "must be an object") }
        object = o; self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func raw(_ key: String) -> JSON? {
        guard let value = object[key] else { return nil } // (only keys present can be unknown)
        used.insert(key)
        if case .null = value { return nil }
        return value
    }

    mutating func string(_ key: String, required: Bool = false) throws(ContractError) -> String? {
        guard let v = raw(key) else {
            if required { throw ContractError(at(key), "is required") }
            return nil
        }
        guard case let .string(s) = v else { throw ContractError(at(key), "must be a string") }
        if required && s.allSatisfy(\.isWhitespace) { throw ContractError(at(key), "must not be empty") }
        return s
    }

    mutating func requiredString(_ key: String) throws(ContractError) -> String {
        try string(key, required: true) ?? ""
    }

    mutating func bool(_ key: String) throws(ContractError) -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case let .bool(b) = v else { throw ContractError(at(key), "must be true or false") }
        return b
    }

    /// Decimals are written as strings ("120000.00"); a bare JSON number is accepted only if it
    /// is plain decimal text (so 1e5 is still refused).
    mutating func dec(_ key: String, decimals: Int) throws(ContractError) -> Dec? {
        guard let v = raw(key) else { return nil }
        let text: String
        switch v {
        case let .string(s): text = s
        case let .number(n): text = n
        default: throw ContractError(at(key), "must be a decimal number in a string, such as \"1200.00\"")
        }
        do { return try Dec.parse(text, maxDecimals: decimals) } catch { throw ContractError(at(key), error.description) }
    }

    mutating func date(_ key: String) throws(ContractError) -> CivilDate? {
        guard let s = try string(key) else { return nil }
        do { return try CivilDate.parse(s) } catch { throw ContractError(at(key), error.description) }
    }

    mutating func enumValue<E: LabeledEnum>(_ key: String, _: E.Type) throws(ContractError) -> E? {
        guard let s = try string(key) else { return nil }
        guard let e = E(code: s) else {
            throw ContractError(at(key), "'\(s)' is not one of: \(E.allCases.map { "\($0.code) (\($0.label))" }.joined(separator: ", "))")
        }
        return e
    }

    mutating func list(_ key: String) throws(ContractError) -> [JSON] {
        guard let v = raw(key) else { return [] }
        guard case let .array(a) = v else { throw ContractError(at(key), "must be a list") }
        return a
    }

    mutating func nested(_ key: String) throws(ContractError) -> FieldReader? {
        guard let v = raw(key) else { return nil }
        return try FieldReader(v, path: at(key))
    }

    /// Every key must have been read: an unknown field is a typo, not data to keep silently.
    func finish() throws(ContractError) {
        if let extra = object.keys.filter({ !used.contains($0) }).sorted().first {
            throw ContractError(at(extra), "unknown field")
        }
    }
}

/// Enums that carry a stable code (stored) and a Chinese label (shown).
public protocol LabeledEnum: CaseIterable, Hashable, Sendable {
    var code: String { get }
    var label: String { get }
}

extension LabeledEnum {
    public init?(code: String) {
        guard let e = Self.allCases.first(where: { $0.code == code || $0.label == code }) else { return nil }
        self = e
    }
    public var display: String { "\(label) \(code)" }
}

extension LabeledEnum where Self: RawRepresentable, RawValue == String {
    public var code: String { rawValue }
}
