import Foundation
import Testing

/// `accord edit` runs $EDITOR as git does, `sh -c '$EDITOR "$@"' editor PATH`: the file's path
/// is an argument, never pasted into a shell command, so a repository whose path holds a quote,
/// a `$` or a space works, and $EDITOR may carry its own arguments.
@Suite(.timeLimit(.minutes(10))) struct InputEditorTests {
    @Test(arguments: ["it's here", "say \"hi\"", "cost $HOME `x`", "semi; rm -rf nothing"])
    func editWorksWhateverThePath(dirName: String) {
        let s = Sandbox()
        let base = s.dir.sub(dirName)
        s.ok("init", "-q", "repo", cwd: base)
        let repo = "\(base)/repo"
        s.ok("new", "C-1", "--type", "sales", "subject=机床", cwd: repo, env: ["ACCORD_ROLE": "salesRep"])
        // An editor taking an option before the file: it must receive exactly two arguments.
        let script = s.dir.write("ed.sh", """
        #!/bin/sh
        [ "$#" -eq 2 ] && [ "$1" = "--flag" ] || { echo "editor got $# arguments: $*" >&2; exit 3; }
        sed -i 's/"subject": "机床"/"subject": "数控机床"/' "$2"
        """)
        chmod(script, 0o755)
        let r = s.accord(["edit", "C-1"], cwd: repo, input: [], env: ["ACCORD_ROLE": "salesRep", "EDITOR": "\(script) --flag"])
        #expect(r.status == 0, "\(dirName): \(r.err)")
        let show = s.accord(["show", "C-1", "--json"], cwd: repo, input: [])
        let c = ((try? JSONSerialization.jsonObject(with: Data(show.stdout))) as? [String: Any])?["contract"] as? [String: Any]
        #expect(c?["subject"] as? String == "数控机床", "\(dirName)")
    }

    @Test func aFailingEditorChangesNothing() {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        s.ok("new", "C-1", "--type", "sales", cwd: repo, env: ["ACCORD_ROLE": "salesRep"])
        expectRefusedUnchanged(gitDir, "edit with a failing editor", mentions: ["editor", "exit 7"]) {
            s.accord(["edit", "C-1"], cwd: repo, input: [], env: ["ACCORD_ROLE": "salesRep", "EDITOR": "sh -c 'exit 7'"])
        }
    }
}
