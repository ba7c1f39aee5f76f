import ArgumentParser
import AccordTrust
import AccordStore
import AccordObjects
import AccordSigning
#if canImport(Glibc)
import Glibc
#endif

/// A command whose failures print as `fatal: …` with exit code 128, as git's do.
protocol AccordCommand: ParsableCommand {
    func execute() throws
}

/// A check that failed (exit 1), as opposed to an error (exit 128).
struct CheckFailed: Error {}

extension AccordCommand {
    func run() throws {
        defer { Output.stdout.flush() }
        do {
            try execute()
        } catch let e as StoreError {
            fail(e.description)
        } catch let e as ObjectError {
            fail(e.description)
        } catch let e as SigningError {
            fail(e.description)
        } catch let e as TrustError {
            fail(e.description)
        } catch let e as ContractFailure {
            fail(e.description)
        } catch is CheckFailed {
            Output.stdout.flush()
            throw ExitCode(1)
        }
    }

    func fail(_ message: String) -> Never {
        Output.stdout.flush()
        Output.stderr.write(Output.stderr.paint("fatal:", "31") + " " + Output.escaped(message) + "\n")
        Glibc.exit(128)
    }
}

/// Finds and opens the repository for commands that need one.
enum Session {
    static var environment: [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }

    static func cwd() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return "." }
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func repository() throws -> Repository {
        let repo = try Repository.discover(from: cwd(), environment: environment)
        for w in repo.configWarnings { Output.stderr.write(Output.stderr.paint("warning:", "33") + " \(w)\n") }
        repo.signer = SigningKeys.signer(repo.config, environment: environment)
        return repo
    }

    /// Who is acting: `ACCORD_<ROLE>_NAME/EMAIL/DATE` (ROLE = AUTHOR or COMMITTER) override
    /// `user.name` / `user.email`; the date is now in the local time zone unless overridden.
    static func identity(_ role: String, repository: Repository, required: Bool) throws -> Identity {
        let env = environment
        let name = env["ACCORD_\(role)_NAME"] ?? repository.config.get("user.name")
        let email = env["ACCORD_\(role)_EMAIL"] ?? repository.config.get("user.email")
        if required, name == nil || email == nil {
            throw StoreError.invalidInput("""
                who are you? set your identity first:
                  accord config user.name "Your Name"
                  accord config user.email you@example.com
                """)
        }
        var (seconds, offset) = now()
        var negativeZero = false
        if let date = env["ACCORD_\(role)_DATE"] {
            let parts = date.split(separator: " ")
            guard parts.count == 2, let s = Int64(parts[0]), let tz = Int(parts[1]), parts[1].count == 5 else {
                throw StoreError.invalidInput("ACCORD_\(role)_DATE must be '<unix seconds> <±hhmm>', not '\(date)'")
            }
            seconds = s
            offset = (tz / 100) * 60 + (tz % 100)
            negativeZero = parts[1] == "-0000" // git keeps "-0000" (offset unknown) distinct from "+0000"
        }
        let cleanName = (name ?? "accord").filter { $0 != "<" && $0 != ">" && $0 != "\n" }
        let cleanEmail = (email ?? "accord@localhost").filter { $0 != "<" && $0 != ">" && $0 != "\n" }
        return Identity(name: cleanName, email: cleanEmail, seconds: seconds, offsetMinutes: offset,
                        negativeZero: negativeZero)
    }

    static func now() -> (Int64, Int) {
        var t = time(nil)
        var tm = tm()
        localtime_r(&t, &tm)
        return (Int64(t), tm.tm_gmtoff / 60)
    }
}
