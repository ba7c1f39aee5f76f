import AccordContracts

extension LabeledEnum {
    /// The value given to `option` (its code or its Chinese label), or a refusal naming the option,
    /// what was given and every choice: `--type: 'lease' is not a contract type; use one of: …`.
    static func argument(_ given: String, option: String, noun: String, withLabels: Bool = false) throws -> Self {
        if let v = Self(code: given) { return v }
        let choices = allCases.map { withLabels ? "\($0.code) (\($0.label))" : $0.code }.joined(separator: ", ")
        throw ContractFailure("\(option): '\(Output.oneLine(given))' is not \(noun); use one of: \(choices)")
    }
}
