import Foundation
import Testing

/// `accord edit` with a scripted $EDITOR (a shell script that edits the file in place).
@Suite struct ContractEditTests {
    static func editor(_ r: ContractRepo, _ name: String, _ body: String) -> (path: String, state: String) {
        let state = r.s.dir.sub("editor-state-\(name)")
        let script = r.s.dir.write("\(name).sh", """
        #!/bin/sh
        f="$1"
        n=$(cat "$EDIT_STATE/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$EDIT_STATE/count"
        cp "$f" "$EDIT_STATE/seen$n"
        \(body)
        """)
        chmod(script, 0o755)
        return (script, state)
    }

    static func seen(_ state: String, _ n: Int) -> String {
        String(decoding: FileManager.default.contents(atPath: "\(state)/seen\(n)") ?? Data(), as: UTF8.self)
    }

    @Test func editCommitsAValidChange() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("HT-ED"))
        let (ed, state) = Self.editor(r, "ok", #"sed -i 's/"subject": "数控车床"/"subject": "数控车床 CK6150"/' "$f""#)
        let res = r.run("salesRep", ["edit", "HT-ED"], env: ["EDITOR": ed, "EDIT_STATE": state])
        #expect(res.status == 0, "\(res.err)")
        #expect(r.contract("HT-ED")["subject"] as? String == "数控车床 CK6150")
        #expect(r.commits("HT-ED").count == 2)
        #expect(r.ok("salesRep", "diff", "HT-ED") == "subject: 数控车床 → 数控车床 CK6150")
        let first = Self.seen(state, 1)
        #expect(first.hasPrefix("# Editing HT-ED."))
        #expect(first.contains("\"totalAmount\": \"132000.00\""))
        #expect(!FileManager.default.fileExists(atPath: "\(r.gitDir)/EDIT_CONTRACT_HT-ED.json"), "the edit file is removed")
        r.fsckClean()
    }

    @Test func invalidThenFixed() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("HT-ED"))
        let (ed, state) = Self.editor(r, "twice", #"""
        if [ $n = 1 ]; then
          sed -i 's/"subject": "数控车床"/"subject": "数控车床 CK6150"/; s/"totalAmount": "132000.00"/"totalAmount": "12,000"/' "$f"
        else
          sed -i 's/"totalAmount": "12,000"/"totalAmount": "132000.00"/' "$f"
        fi
        """#)
        let res = r.run("salesRep", ["edit", "HT-ED"], env: ["EDITOR": ed, "EDIT_STATE": state])
        #expect(res.status == 0, "\(res.err)")
        let second = Self.seen(state, 2)
        #expect(second.hasPrefix("# error: totalAmount:"), "re-opened with the error at the top: \(second.prefix(200))")
        #expect(second.contains("\"subject\": \"数控车床 CK6150\""), "the user's text is kept")
        #expect(second.contains("\"totalAmount\": \"12,000\""), "the user's text is kept, mistake included")
        #expect(!FileManager.default.fileExists(atPath: "\(state)/seen3"), "the editor ran exactly twice")
        let c = r.contract("HT-ED")
        #expect(c["subject"] as? String == "数控车床 CK6150" && c["totalAmount"] as? String == "132000.00")
        #expect(r.commits("HT-ED").count == 2, "one commit for the whole edit")
    }

    @Test func invalidAndNotFixedCommitsNothing() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("HT-ED"))
        let (ed, state) = Self.editor(r, "stubborn", #"""
        if [ $n = 1 ]; then sed -i 's/"deliveryDeadline": "2026-06-30"/"deliveryDeadline": "2026-02-30"/' "$f"; fi
        """#)
        let refs = r.refs()
        let res = r.run("salesRep", ["edit", "HT-ED"], env: ["EDITOR": ed, "EDIT_STATE": state])
        expectRefused(res, "edit saved invalid twice", mentions: ["deliveryDeadline", "nothing committed"])
        #expect(r.refs() == refs)
        #expect(Self.seen(state, 2).hasPrefix("# error: deliveryDeadline"))
    }

    @Test func unchangedOrEmptyAborts() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("HT-ED"))
        let (same, s1) = Self.editor(r, "same", "true")
        let res = r.run("salesRep", ["edit", "HT-ED"], env: ["EDITOR": same, "EDIT_STATE": s1])
        #expect(res.status == 0 && res.err.contains("no change"))
        let (empty, s2) = Self.editor(r, "empty", #": > "$f""#)
        let res2 = r.run("salesRep", ["edit", "HT-ED"], env: ["EDITOR": empty, "EDIT_STATE": s2])
        #expect(res2.status == 0 && res2.err.contains("no change"))
        #expect(r.commits("HT-ED").count == 1)
    }

    @Test func editOfFrozenFieldNeedsAChangeAgreement() {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1])
        let (ed, state) = Self.editor(r, "frozen", #"""
        sed -i 's/"deliveryDeadline": "2026-09-30"/"deliveryDeadline": "2026-09-20"/' "$f"
        """#)
        let refs = r.refs()
        let res = r.run("contractAdmin", ["edit", "HT-2026-007"], env: ["EDITOR": ed, "EDIT_STATE": state])
        expectRefused(res, "edit a frozen field", mentions: ["deliveryDeadline", "invariant 9"])
        #expect(r.refs() == refs)
    }
}
