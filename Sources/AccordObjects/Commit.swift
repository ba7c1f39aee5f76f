/// A commit. Decoding then encoding reproduces the original bytes.
public struct Commit: Hashable, Sendable {
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var author: Identity
    public var committer: Identity
    /// Headers after `committer`, in order: `encoding`, `gpgsig-sha256`, `mergetag`, …
    /// A value with several lines is stored joined by `\n` (continuation spaces removed).
    public var extraHeaders: [ExtraHeader]
    public var message: [UInt8]
    /// Read from an object with no blank line after its headers: written back the same way
    /// while the message stays empty.
    public var headersOnly = false

    public struct ExtraHeader: Hashable, Sendable {
        public var key: String
        public var value: [UInt8]
        public init(key: String, value: [UInt8]) { self.key = key; self.value = value }
    }

    public init(tree: ObjectID, parents: [ObjectID], author: Identity, committer: Identity,
                extraHeaders: [ExtraHeader] = [], message: String) {
        self.init(tree: tree, parents: parents, author: author, committer: committer,
                  extraHeaders: extraHeaders, message: Array(message.utf8))
    }

    public init(tree: ObjectID, parents: [ObjectID], author: Identity, committer: Identity,
                extraHeaders: [ExtraHeader], message: [UInt8]) {
        self.tree = tree; self.parents = parents; self.author = author; self.committer = committer
        self.extraHeaders = extraHeaders; self.message = message
    }

    public var messageText: String { String(decoding: message, as: UTF8.self) }
    /// The first line of the message.
    public var summary: Substring { messageText.split(separator: "\n", omittingEmptySubsequences: false).first ?? "" }

    public func encoded() -> [UInt8] {
        var headers: [(key: String, value: [UInt8])] = [("tree", Array(tree.hex.utf8))]
        for p in parents { headers.append(("parent", Array(p.hex.utf8))) }
        headers.append(("author", author.encoded))
        headers.append(("committer", committer.encoded))
        for h in extraHeaders { headers.append((h.key, h.value)) }
        var out: [UInt8] = []
        out.reserveCapacity(256 + message.count)
        HeaderBlock.encode(headers, message: message, headersOnly: headersOnly, into: &out)
        return out
    }

    /// Strict decode in git's header order: tree, parent*, author, committer, then extra headers.
    public static func decode(_ data: UnsafeRawBufferPointer) throws(ObjectError) -> Commit {
        let block = try HeaderBlock.parse(data, type: .commit)
        var h = block.headers[...]
        guard let t = h.popFirst(), t.key == "tree" else { throw .malformed(.commit, "first header is not 'tree'") }
        let tree = try parseID(t.value, "tree", .commit)
        var parents: [ObjectID] = []
        while let p = h.first, p.key == "parent" {
            parents.append(try parseID(p.value, "parent", .commit))
            h = h.dropFirst()
        }
        guard let a = h.popFirst(), a.key == "author" else { throw .malformed(.commit, "missing 'author' after tree and parents") }
        let author = try Identity(parsing: a.value[...], what: "author", in: .commit)
        guard let c = h.popFirst(), c.key == "committer" else { throw .malformed(.commit, "missing 'committer' after author") }
        let committer = try Identity(parsing: c.value[...], what: "committer", in: .commit)
        var extras: [ExtraHeader] = []
        for x in h {
            if ["tree", "parent", "author", "committer"].contains(x.key) {
                throw .malformed(.commit, "header '\(x.key)' out of place")
            }
            extras.append(ExtraHeader(key: x.key, value: x.value))
        }
        var commit = Commit(tree: tree, parents: parents, author: author, committer: committer,
                            extraHeaders: extras, message: block.message)
        commit.headersOnly = block.headersOnly
        return commit
    }

    public static func decode(_ bytes: [UInt8]) throws(ObjectError) -> Commit {
        try bytes.withBytes { (p) throws(ObjectError) -> Commit in try decode(p) }
    }
}
