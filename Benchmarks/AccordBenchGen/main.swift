import AccordContracts
import AccordObjects
import AccordSigning
import AccordStore
import AccordTrust
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func say(_ s: String) { let b = Array(s.utf8); _ = b.withUnsafeBytes { write(2, $0.baseAddress, $0.count) } }

// Builds a repository of N contracts × M commits through the real ContractStore (every commit
// validated), for Benchmarks/contracts-vs-git.sh. Usage: accord-bench-gen DIR N M
// With `accord-bench-gen edit DIR FIRST COUNT TAG`, adds one commit to COUNT contracts starting
// at HT-<100000+FIRST> in an existing repository (Benchmarks/sync-vs-git.sh); with
// BENCH_SIGNING_KEY set, signed with that OpenSSH key (a repository with an organisation).
// With `accord-bench-gen cost DIR K`, times K commits to one contract in a repository without an
// organisation and K in one with (signed, checked), alternating, without fsync, and prints the medians
// (Benchmarks/trust-vs-unsigned.sh).
let args = CommandLine.arguments

/// The signer BENCH_SIGNING_KEY names, if any.
func benchSigner() throws -> SSHObjectSigner? {
    guard let path = ProcessInfo.processInfo.environment["BENCH_SIGNING_KEY"], !path.isEmpty else { return nil }
    return SSHObjectSigner(key: try SSHPrivateKey(openSSH: try String(contentsOfFile: path, encoding: .utf8)))
}

if args.count == 4, args[1] == "cost", let k = Int(args[3]), k > 0 {
    do {
        let key = SSHPrivateKey.generate(comment: "bench@example.com")
        func repo(_ name: String, signed: Bool) throws -> (ContractStore, Actor) {
            // Without fsync: what differs between the two is CPU (signing and checking); a disk's
            // flush time, the same for both, would drown it.
            try Repository.create(at: "\(args[2])/\(name)", bare: true).setConfig("accord.fsyncObjectFiles", "false")
            let repo = try Repository(gitDir: "\(args[2])/\(name)")
            let who = Identity(name: "Bench", email: "bench@example.com", seconds: 1_795_000_000, offsetMinutes: 480)
            if signed {
                repo.signer = SSHObjectSigner(key: key)
                var me = Organisation.Person(email: "bench@example.com", name: "Bench", keys: [key.publicKey.line()],
                                             roles: [Organisation.administrator, "salesRep"], offices: ["华东办事处"])
                me.active = true
                try OrganisationStore(repository: repo).publish(Organisation(name: "bench", offices: ["华东办事处"], people: [me]), summary: "bench", author: who)
            }
            let store = try ContractStore(repository: repo)
            let actor = Actor(name: "Bench", email: "bench@example.com", role: .salesRep, office: "华东办事处", replica: repo.replicaID ?? "bench")
            var c = Contract(number: "HT-1", type: .sales)
            c.subject = "数控设备"; c.office = "华东办事处"; c.buyer = Party(name: "华东机械有限公司")
            _ = try store.commit(ContractStore.Change(state: ContractState(contract: c, records: []), summary: "Create", actor: actor, author: who), parent: nil)
            return (store, actor)
        }
        let sides = [try repo("plain", signed: false), try repo("signed", signed: true)]
        var times: [[Double]] = [[], []]
        for i in 0..<k {
            for (n, (store, actor)) in sides.enumerated() {
                let snap = try store.load("HT-1")
                var state = snap.state
                state.contract.buyer.phone = "021-\(i)"
                let who = Identity(name: "Bench", email: "bench@example.com", seconds: 1_795_000_000 + Int64(i), offsetMinutes: 480)
                var t0 = timespec(), t1 = timespec()
                clock_gettime(CLOCK_MONOTONIC, &t0)
                _ = try store.commit(ContractStore.Change(state: state, summary: "Edit \(i)", actor: actor, author: who), parent: snap)
                clock_gettime(CLOCK_MONOTONIC, &t1)
                times[n].append(Double(t1.tv_sec - t0.tv_sec) * 1e6 + Double(t1.tv_nsec - t0.tv_nsec) / 1e3)
            }
        }
        let med = times.map { $0.sorted()[$0.count / 2] }
        print("commits: \(k) each; median unsigned \(String(format: "%.0f", med[0])) µs, signed and checked \(String(format: "%.0f", med[1])) µs, difference \(String(format: "%.0f", med[1] - med[0])) µs")
        exit(0)
    } catch { say("accord-bench-gen: \(error)\n"); exit(1) }
}

if args.count == 6, args[1] == "edit", let first = Int(args[3]), let count = Int(args[4]) {
    do {
        let repo = try Repository(gitDir: args[2])
        repo.signer = try benchSigner()
        let store = try ContractStore(repository: repo)
        for i in first..<(first + count) {
            let snap = try store.load("HT-\(100000 + i)")
            // The contract's own office: under an organisation a rep acts for the contract's office.
            let actor = Actor(name: "Bench \(args[5])", email: "bench@example.com", role: .salesRep, office: snap.state.contract.office, replica: repo.replicaID ?? "bench")
            var state = snap.state
            if args[5] == "a" { state.contract.buyer.phone = "021-a\(i)" } else { state.contract.supervisor = "督办 \(args[5]) \(i)" }
            state.records.append(Record(id: UUID4.random(), kind: .tracking, author: "Bench <bench@example.com>", role: .salesRep, replica: actor.replica,
                                        createdAt: "2026-11-23T09:00:00Z", filedDate: try CivilDate.parse("2026-11-23"),
                                        fields: ["customer": .text(state.contract.buyer.name), "coordinationContent": .text("replica \(args[5])")]))
            _ = try store.commit(ContractStore.Change(state: state, summary: "Edit by \(args[5])", actor: actor,
                                                      author: Identity(name: "Bench", email: "bench@example.com", seconds: 1_795_100_000 + Int64(i), offsetMinutes: 480)), parent: snap)
        }
        exit(0)
    } catch { say("accord-bench-gen: \(error)\n"); exit(1) }
}
guard args.count == 4, let n = Int(args[2]), let m = Int(args[3]), n > 0, m > 0 else {
    print("usage: accord-bench-gen DIR CONTRACTS COMMITS-PER-CONTRACT"); exit(64)
}
do {
    let repo = try Repository.create(at: args[1], bare: true)
    try repo.setConfig("accord.fsyncObjectFiles", "false") // generation speed; the timed commands only read
    let store = try ContractStore(repository: repo)
    let actor = Actor(name: "Bench", email: "bench@example.com", role: .salesRep, office: "华东办事处", replica: repo.replicaID ?? "bench")
    var t: Int64 = 1_795_000_000
    func who() -> Identity { t += 60; return Identity(name: "Bench", email: "bench@example.com", seconds: t, offsetMinutes: 480) }
    let buyers = ["华东机械有限公司", "Nordic Steel AB", "成都天府物流有限公司", "Shenzhen Bright Optics Ltd"]
    for i in 0..<n {
        let number = "HT-\(100000 + i)"
        var c = Contract(number: number, type: .sales)
        c.subject = "数控设备 \(i)"
        c.seller = Party(name: "本公司"); c.buyer = Party(name: buyers[i % buyers.count], contact: "联系人", phone: "021-\(1000 + i % 9000)")
        c.owner = "Bench"; c.office = ["华东办事处", "华南办事处", "North Office"][i % 3]
        c.lineItems = [LineItem(id: "L1", name: "数控车床", quantity: Dec(2), unit: "台", unitPrice: Dec(60000))]
        c.totalAmount = Dec(120000)
        c.paymentMilestones = [Milestone(id: "M1", kind: .advance, percent: Dec(30), amount: Dec(36000)),
                               Milestone(id: "M2", kind: .balance, percent: Dec(70), amount: Dec(84000))]
        c.breachLiability = "违约方赔偿损失。"; c.paymentMethod = "电汇"; c.deliveryMethod = "送货"
        c.expiryDate = .date(try CivilDate.parse("2028-12-31"))
        var snap: Snapshot? = nil
        for k in 0..<m {
            var state = snap?.state ?? ContractState(contract: c, records: [])
            if k > 0 {
                switch k % 4 {
                case 1: state.contract.buyer.phone = "0755-\(k)-\(i)" // never the original 021- number
                case 2: state.contract.lineItems[0].quantity = Dec(2 + k); state.contract.totalAmount = state.contract.lineItems[0].lineAmount
                        state.contract.paymentMilestones = [Milestone(id: "M1", kind: .balance, percent: Dec(100), amount: state.contract.totalAmount)]
                case 3: state.contract.supervisor = "督办\(k)"
                default:
                    state.records.append(Record(id: UUID4.random(), kind: .tracking, author: "Bench", role: .salesRep, replica: actor.replica,
                                                createdAt: "2026-11-22T10:\(10 + k % 50):00Z", filedDate: try CivilDate.parse("2026-11-22"),
                                                fields: ["customer": .text(state.contract.buyer.name), "coordinationContent": .text("第\(k)次跟踪")]))
                }
            }
            let (id, _) = try store.commit(ContractStore.Change(state: state, summary: k == 0 ? "Create \(number)" : "Edit \(k)", actor: actor, author: who()), parent: snap)
            snap = Snapshot(commit: id, state: state, attachmentBlobs: [:], trailers: [:]) // what we just wrote
        }
        if i % 500 == 0 { say("\r\(i)/\(n)") }
    }
    say("\r\(n)/\(n)\n")
} catch {
    say("accord-bench-gen: \(error)\n"); exit(1)
}
