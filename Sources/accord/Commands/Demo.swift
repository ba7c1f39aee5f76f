import ArgumentParser
import AccordStore
#if canImport(Glibc)
import Glibc
#endif

/// The main job, on embedded data in a temporary directory: head office and two field replicas,
/// offline edits on all three with a real clash, sync by path and by bundle file, then log, diff,
/// the conflict, its resolution, and converged replicas. Every step is a real `accord` command.
struct Demo: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the demonstration: head office and two field replicas edit offline, sync, clash, resolve, converge.")

    @Flag(help: "Keep the temporary directory and print its path.") var keep = false

    func execute() throws {
        var template = Array("/tmp/accord-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StoreError.io(op: "create temp dir", path: "/tmp", errno: errno) }
        let dir = String(cString: made)
        defer { if !keep { _ = system("rm -rf '\(dir)'") } }
        let me = Demo.selfPath()
        // Every step runs as the demo's people, whatever the caller's ACCORD_* settings say.
        for key in Session.environment.keys where key.hasPrefix("ACCORD_") { unsetenv(key) }
        let out = Output.stdout
        var ok = true
        func say(_ s: String) { out.line(""); out.line(out.paint("## " + s, "1;36")) }
        /// Runs `accord ARGS` in `cwd` as `who` (a role and office, or `ENV=…` settings, shown
        /// before the command), echoing the command and its output.
        func run(_ cwd: String, _ who: (String, String)?, _ args: String, expect: Int32 = 0) {
            let place = cwd.replacingOccurrences(of: dir + "/", with: "")
            var env = "NO_COLOR=1 "
            var shown = ""
            if let (role, office) = who {
                shown = role.contains("=") ? role + " " : "ACCORD_ROLE=\(role) "
                env += shown + (office.isEmpty ? "" : "ACCORD_OFFICE='\(office)' ")
            }
            out.line(out.paint("\(place)$ ", "2") + out.paint(shown + "accord \(args)", "1"))
            out.flush()
            let rc = system("cd '\(cwd)' && \(env)'\(me)' \(args) > '\(dir)/.output' 2>&1")
            let code = rc >= 0 ? (rc >> 8) & 0xFF : rc
            let text = (try? FileIO.readString("\(dir)/.output")) ?? nil
            for line in (text ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast() { out.line("    \(line)") }
            if code != expect { ok = false; out.line(out.paint("    (exit \(code), expected \(expect))", "31")) }
        }
        let hq = "\(dir)/head-office", east = "\(dir)/rep-east", south = "\(dir)/rep-south", north = "\(dir)/rep-north"
        let hub = "\(dir)/hub.git"
        try FileIO.writeAtomically("\(dir)/contracts.json", Array(DemoData.contracts.utf8))
        var hubPID: pid_t = 0
        defer { if hubPID > 0 { kill(hubPID, SIGTERM); var st: Int32 = 0; waitpid(hubPID, &st, 0) } }

        say("Five people make their signing keys (Ed25519, OpenSSH format)")
        let people = ["chen", "wang", "li", "zhou", "zhang"]
        for p in people { run(dir, ("XDG_CONFIG_HOME=people/\(p)", ""), "key generate --comment \(p)") }
        func key(_ p: String) -> String { "../people/\(p)/accord/signing_key" }
        // Wang Fang (legal) works at head office on the same replica as Chen Jing: her commands
        // name her key and identity for that one command.
        let legal = ("ACCORD_SIGNING_KEY=\(key("wang")) ACCORD_AUTHOR_NAME='法务 Wang Fang' ACCORD_AUTHOR_EMAIL=wang.fang@hq.example ACCORD_ROLE=legal", "")

        say("Head office creates its replica and the organisation (the root of trust), adds its people, registers two contracts")
        _ = system("mkdir -p '\(hq)'")
        run(hq, nil, "init -q")
        run(hq, nil, "config user.name '合同管理部 Chen Jing'")
        run(hq, nil, "config user.email chen.jing@hq.example")
        run(hq, nil, "config user.signingKey \(key("chen"))")
        run(hq, nil, "org init --name 示例机电有限公司 --role contractAdmin --office 合同管理部门")
        run(hq, nil, "org person add wang.fang@hq.example --name '法务 Wang Fang' --key \(key("wang")).pub --role legal")
        run(hq, nil, "org person add li.wei@east.example --name 'Li Wei' --key \(key("li")).pub --role salesRep --office 华东办事处")
        run(hq, nil, "org person add zhou.qiang@east.example --name 'Zhou Qiang' --key \(key("zhou")).pub --role salesRep --office 华东办事处")
        run(hq, nil, "org person add zhang.min@north.example --name 'Zhang Min' --key \(key("zhang")).pub --role salesRep --office 'North Office' --office 华东办事处")
        run(hq, nil, "org show")
        run(hq, nil, "import ../contracts.json")
        run(hq, nil, "list")

        say("Head office runs its hub on a loopback port: one token per person, stored only as a hash")
        run(dir, nil, "clone -q --bare head-office hub.git")
        _ = system("mkdir -p '\(dir)/tokens'")
        for (p, email) in [("chen", "chen.jing@hq.example"), ("li", "li.wei@east.example"), ("zhou", "zhou.qiang@east.example")] {
            // The token goes to the person's file only (it is shown once, never stored but hashed).
            out.line(out.paint("hub.git$ ", "2") + out.paint("accord serve token create \(email) --label demo > ../tokens/\(p)", "1"))
            let rc = system("cd '\(hub)' && '\(me)' serve token create \(email) --label demo > ../tokens/\(p) 2> '\(dir)/.output'")
            if rc != 0 { ok = false; out.line(out.paint("    (exit \(rc), expected 0)", "31")) }
        }
        run(hub, nil, "serve token list")
        let me2 = me
        hubPID = Demo.spawn(["/bin/sh", "-c", "exec '\(me2)' serve --bind 127.0.0.1:0 . > ../hub.out 2> ../hub.log"], cwd: hub)
        var url = ""
        for _ in 0..<300 where url.isEmpty {
            usleep(20_000)
            if let text = try? FileIO.readString("\(dir)/hub.out"), let at = text.range(of: " at ") {
                url = String(text[at.upperBound...].prefix { $0 != "\n" })
            }
        }
        guard !url.isEmpty else { throw StoreError.invalidInput("the demo's hub did not start: \((try? FileIO.readString("\(dir)/hub.log")) ?? nil ?? "")") }
        out.line(out.paint("hub.git$ ", "2") + out.paint("accord serve --bind 127.0.0.1:0 . &", "1"))
        out.line("    accord hub: serving at \(url)")
        let asChen = ("ACCORD_TOKEN=$(cat ../tokens/chen)", "")
        let asLi = ("ACCORD_TOKEN=$(cat ../tokens/li)", "")
        let asZhou = ("ACCORD_TOKEN=$(cat ../tokens/zhou)", "")
        run(hq, nil, "remote add hub \(url)")
        run(hq, asChen, "fetch hub")

        say("Two reps of the East office clone from the hub, each with their own token: they get only their office's contract")
        run(dir, ("ACCORD_TOKEN=$(cat tokens/li)", ""), "clone -q \(url) rep-east")
        run(dir, ("ACCORD_TOKEN=$(cat tokens/zhou)", ""), "clone -q \(url) rep-south")
        run(east, nil, "list")
        say("Rep North, with no connection, gets a bundle file")
        run(hq, nil, "bundle create ../to-north.bundle --all")
        run(dir, nil, "clone -q to-north.bundle rep-north")
        // Their role and office come from the organisation: each holds one of each.
        for (repo, name, email, who) in [(east, "Li Wei", "li.wei@east.example", "li"), (south, "Zhou Qiang", "zhou.qiang@east.example", "zhou"),
                                         (north, "Zhang Min", "zhang.min@north.example", "zhang")] {
            run(repo, nil, "config user.name '\(name)'")
            run(repo, nil, "config user.email \(email)")
            run(repo, nil, "config user.signingKey \(key(who))")
        }
        run(north, nil, "config user.office 'North Office'") // Zhang Min covers two offices; she works from North

        say("Offline for days: all four edit, and two of them change the same delivery deadline")
        run(hq, legal, "set HT-2026-024 'breachLiability=第一条 违约方应赔偿守约方因此遭受的全部直接损失及合理的维权费用。\n第二条 逾期交货的，每日按未交货部分价款的万分之五支付违约金。\n第三条 逾期付款的，每日按未付款项的万分之五支付违约金。' -m '法务：明确赔偿范围'")
        run(east, nil, "set HT-2026-024 deliveryDeadline=2027-04-15 buyer.phone=021-5555-0199")
        run(east, nil, "record HT-2026-024 tracking customer=华东机械有限公司 coordinationContent='客户要求推迟交货两周'")
        run(south, nil, "record HT-2026-024 tracking customer=华东机械有限公司 coordinationContent='客户确认收货地址不变'")
        run(north, nil, "set HT-2026-024 deliveryDeadline=2027-04-30 'breachLiability=第一条 违约方应赔偿守约方因此遭受的全部损失。\n第二条 逾期交货的，每日按未交货部分价款的万分之五支付违约金。\n第三条 逾期付款的，每日按未付款项的千分之一支付违约金。'")
        run(north, nil, "submit HT-2026-002")

        say("Authority is proven, not claimed: Rep East cannot act as legal, nor reach North's contract through the hub")
        run(east, ("legal", ""), "set HT-2026-024 breachLiability=无", expect: 128)
        run(east, nil, "show HT-2026-002", expect: 128)
        run(dir, ("ACCORD_TOKEN=not-a-token", ""), "clone -q \(url) intruder", expect: 128)

        say("Head office and the East reps sync through the hub (fetch, merge field by field, push)")
        run(hq, asChen, "sync hub")
        run(east, asLi, "sync")
        run(south, asZhou, "sync")
        run(east, asLi, "sync")
        run(hq, asChen, "pull hub")
        run(east, nil, "log --oneline HT-2026-024")

        say("Rep North sends a bundle; head office pulls it: the deadlines clash")
        run(north, nil, "bundle create ../from-north.bundle --all")
        run(hq, nil, "remote add north ../from-north.bundle")
        run(hq, nil, "pull ../from-north.bundle", expect: 1) // a merge left a conflict
        run(hq, nil, "status")
        run(hq, nil, "conflicts HT-2026-024")
        run(hq, nil, "diff HT-2026-024 HEAD^1 HEAD")
        run(hq, nil, "submit HT-2026-024", expect: 128)

        say("Head office resolves the clash (recorded as a commit) and everyone converges")
        run(hq, nil, "resolve HT-2026-024 deliveryDeadline --theirs -m '客户书面确认 4 月 30 日'")
        run(hq, nil, "show HT-2026-024")
        run(hq, asChen, "sync hub")
        run(east, asLi, "sync")
        run(south, asZhou, "sync")
        run(hq, nil, "bundle create ../to-north-2.bundle --all")
        run(north, nil, "pull ../to-north-2.bundle")
        run(hq, nil, "log --oneline HT-2026-024")
        run(south, asZhou, "sync") // nothing new: one request to the hub's changes feed
        out.line(out.paint("$ ", "2") + out.paint("grep -c ' 200' hub.log; grep -c refused hub.log", "1"))
        let log = (try? FileIO.readString("\(dir)/hub.log")) ?? nil ?? ""
        out.line("    \(log.components(separatedBy: " 200").count - 1) requests answered, \(log.components(separatedBy: "refused").count - 1) refused (the intruder's)")

        say("Every commit is signed: stock git verifies each one with the organisation's allowed signers")
        // The hub's repository too (bare: its own directory is the git directory), with head
        // office's allowed signers (one organisation); a replica with no commit would be a failure.
        for repo in [hq, east, south, north, hub] {
            let bare = repo == hub, gitDir = bare ? "." : ".accord"
            if !bare {
                run(repo, nil, "org allowed-signers")
                _ = system("cd '\(repo)' && '\(me)' org allowed-signers > ../signers")
            }
            let place = repo.replacingOccurrences(of: dir + "/", with: "")
            out.line(out.paint("\(place)$ ", "2") + out.paint("for c in $(git --git-dir \(gitDir) rev-list --exclude=refs/accord/* --all); do git --git-dir \(gitDir) -c gpg.ssh.allowedSignersFile=../signers verify-commit $c; done", "1"))
            out.flush()
            let script = "cd '\(repo)' && n=0 && bad=0 && for c in $(git --git-dir \(gitDir) rev-list --exclude='refs/accord/*' --all); do n=$((n+1)); git --git-dir \(gitDir) -c gpg.ssh.allowedSignersFile=../signers verify-commit $c >/dev/null 2>&1 || { bad=$((bad+1)); echo \"    not verified: $c\"; }; done; echo \"    $n commits, $bad not verified\"; [ $bad -eq 0 ] && [ $n -gt 0 ]"
            let rc = system("(\(script)) > '\(dir)/.output' 2>&1")
            let text = (try? FileIO.readString("\(dir)/.output")) ?? nil
            for line in (text ?? "").split(separator: "\n") { out.line(String(line)) }
            if rc != 0 { ok = false; out.line(out.paint("    (git verify-commit refused a commit)", "31")) }
        }

        say("Converged: each replica holds the hub's head for every contract it may see, and stock git agrees")
        for repo in [hq, east, south, north] {
            run(repo, nil, "show-ref")
        }
        for repo in [hq, east, south, north, hub] {
            let gitDir = repo == hub ? hub : "\(repo)/.accord"
            out.line(out.paint("\(repo.replacingOccurrences(of: dir + "/", with: ""))$ ", "2") + out.paint("git --git-dir \(repo == hub ? "." : ".accord") fsck --strict", "1"))
            out.flush()
            let rc = system("git --git-dir '\(gitDir)' fsck --strict --no-progress > '\(dir)/.output' 2>&1")
            let text = (try? FileIO.readString("\(dir)/.output")) ?? nil
            for line in (text ?? "").split(separator: "\n").filter({ !$0.hasPrefix("notice") }) { out.line("    \(line)") }
            if rc == 0 {
                out.line("    clean")
            } else {
                ok = false
                out.line(out.paint("    (git fsck failed: exit \(rc >= 0 ? (rc >> 8) & 0xFF : rc))", "31"))
            }
        }
        let hubHeads = try Repository(gitDir: hub).refs.values(prefix: "refs/contracts/")
        var converged = hubHeads.count == 2
        for repo in [hq, east, south, north] {
            let mine = try Repository(gitDir: "\(repo)/.accord").refs.values(prefix: "refs/contracts/")
            let expected = repo == east || repo == south ? 1 : 2 // the East reps see only 华东办事处's contract
            if mine.count != expected || mine.contains(where: { hubHeads[$0.key] != $0.value }) { converged = false }
        }
        out.line("")
        if converged && ok {
            out.line(out.paint("Every replica holds the hub's heads for the contracts it may see; nothing was lost.", "32"))
        } else {
            out.line(out.paint("The replicas did not converge or a step failed (see above).", "31"))
        }
        if keep { out.line("Kept \(dir)") }
        if !converged || !ok { throw CheckFailed() }
    }

    /// Starts a process in the background (the demo's hub); returns its pid.
    static func spawn(_ argv: [String], cwd: String) -> pid_t {
        let pid = fork()
        if pid == 0 {
            _ = chdir(cwd)
            var args = argv.map { strdup($0) }
            args.append(nil)
            execv(argv[0], &args)
            _exit(127)
        }
        return pid
    }

    static func selfPath() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }
}
