import AccordContracts

/// JSON for `--json` output with keys in the order given (readable); escaping is the library's.
indirect enum JSONText {
    case string(String), int(Int), bool(Bool), null
    case array([JSONText])
    case object([(String, JSONText)])

    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        switch self {
        case let .string(s): JSONText.quote(s, into: &out)
        case let .int(i): out += String(i)
        case let .bool(b): out += b ? "true" : "false"
        case .null: out += "null"
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() { if i > 0 { out += "," }; item.render(into: &out) }
            out += "]"
        case let .object(fields):
            out += "{"
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out += "," }
                JSONText.quote(k, into: &out); out += ":"; v.render(into: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) { JSON.quote(s, into: &out) }
}
