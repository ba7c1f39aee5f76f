import Foundation
import Testing

/// `-q` on clone, fetch and push prints nothing on success (git's -q); a refused ref is still shown.
@Suite struct QuietTransferTests {
    @Test func quietTransfersPrintOnlyRejections() throws {
        let s = Sandbox()
        let env = ["ACCORD_ROLE": "salesRep", "ACCORD_OFFICE": "East", "ACCORD_AUTHOR_NAME": "T", "ACCORD_AUTHOR_EMAIL": "t@x"]
        s.ok("init", "-q", "--bare", "hub")
        s.ok("clone", "-q", "hub", "a")
        s.ok("clone", "-q", "hub", "b")
        let a = "\(s.root)/a", b = "\(s.root)/b"
        s.ok("new", "HT-Q1", "--type", "sales", "buyer.name=甲", cwd: a, env: env)
        let push = s.accord("push", "-q", cwd: a, env: env)
        #expect(push.status == 0 && push.out.isEmpty, "push -q: \(push.out)")
        let fetch = s.accord("fetch", "-q", cwd: b, env: env)
        #expect(fetch.status == 0 && fetch.out.isEmpty, "fetch -q: \(fetch.out)")
        let loud = s.accord("fetch", cwd: b, env: env)
        #expect(loud.status == 0) // nothing new: nothing to say either way
        // b creates the same number independently: its push is refused, and -q still says so.
        s.ok("new", "HT-Q1", "--type", "sales", "buyer.name=乙", cwd: b, env: env)
        let refused = s.accord("push", "-q", cwd: b, env: env)
        #expect(refused.status == 1)
        #expect(refused.out.contains("HT-Q1"), "the rejected ref is reported: \(refused.out) \(refused.err)")
    }
}
