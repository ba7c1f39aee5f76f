import ArgumentParser
import AccordStore
import AccordSync

// MARK: credential

struct CredentialCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential",
        abstract: "Keep hub tokens for this user, outside every repository (a 0600 file in git-credential-store's format).",
        discussion: "The file is ACCORD_CREDENTIALS_FILE, or $XDG_CONFIG_HOME/accord/credentials, or ~/.config/accord/credentials. ACCORD_TOKEN, when set, wins over it.",
        subcommands: [CredentialStore.self])
    func execute() throws {}
}

struct CredentialStore: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store the token read from standard input for the hub at URL, as PERSON (never from the command line, where other users and the shell's history would see it).")
    @Argument(help: "The hub's URL (http:// or https://).") var url: String
    @Option(help: "Your email in the organisation.") var person: String

    func validate() throws {
        guard SmartHTTPRemote.isHTTP(url) else { throw ValidationError("'\(url)' is not an http:// or https:// URL") }
        guard !person.isEmpty, !person.contains(where: \.isWhitespace) else { throw ValidationError("--person '\(person)' is not an email") }
    }

    func execute() throws {
        var input = LineReader()
        guard let bytes = input.next() else { fail("no token on standard input (e.g. accord credential store URL --person you@example.com < token-file)") }
        let token = String(decoding: bytes.filter { $0 != 0x0D && $0 != 0x20 && $0 != 0x09 }, as: UTF8.self)
        guard !token.isEmpty, token.utf8.count <= 200, !token.contains(where: \.isWhitespace) else {
            fail("standard input does not hold a token on its first line")
        }
        try transport { try Credentials.store(url: url, person: person, token: token, environment: Session.environment) }
        Output.stderr.write("stored a token for \(Output.escaped(person)) at \(Output.escaped(url)) in \(Output.escaped(Credentials.path(environment: Session.environment)))\n")
    }
}
