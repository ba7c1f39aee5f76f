import AccordContracts
import AccordTrust

extension Organisation {
    /// Why the organisation's policies would not read as the lifecycle and merge policies, or a
    /// template as a contract fragment (a version that says so cannot be used: every command
    /// would refuse to open its contracts, or `new --template` to start one), or nil.
    /// Checked when a version is published and when one is received.
    public var policyProblem: String? {
        do {
            _ = try LifecyclePolicy(get: { policy($0) })
            _ = try MergePolicy(entries: policies.sorted { $0.key < $1.key }.filter { $0.key.hasPrefix("accord.merge.") }
                .map { (String($0.key.dropFirst("accord.merge.".count)), $0.value) })
            for t in templates ?? [] {
                do throws(ContractError) { _ = try ContractTemplate.document(t.document) } catch { return "template \(t.id): \(error)" }
            }
            return nil
        } catch { return error.description }
    }
}
