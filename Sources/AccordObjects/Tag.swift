/// An annotated tag. Decoding then encoding reproduces the original bytes.
public struct Tag: Hashable, Sendable {
    public var object: ObjectID
    public var targetType: ObjectType
    public var name: String
    public var tagger: Identity?
    public var extraHeaders: [Commit.ExtraHeader]
    public var message: [UInt8]
    /// Read from an object with no blank line after its headers: written back the same way
    /// while the message stays empty.
    public var headersOnly = false

    public init(object: ObjectID, targetType: ObjectType, name: String, tagger: Identity?,
                extraHeaders: [Commit.ExtraHeader] = [], message: String) {
        self.object = object; self.targetType = targetType; self.name = name; self.tagger = tagger
        self.extraHeaders = extraHeaders; self.message = Array(message.utf8)
    }

    public var messageText: String { String(decoding: message, as: UTF8.self) }

    public func encoded() -> [UInt8] {
        var headers: [(key: String, value: [UInt8])] = [
            ("object", Array(object.hex.utf8)), ("type", Array(targetType.name.utf8)), ("tag", Array(name.utf8)),
        ]
        if let tagger { headers.append(("tagger", tagger.encoded)) }
        for h in extraHeaders { headers.append((h.key, h.value)) }
        var out: [UInt8] = []
        HeaderBlock.encode(headers, message: message, headersOnly: headersOnly, into: &out)
        return out
    }

    public static func decode(_ data: UnsafeRawBufferPointer) throws(ObjectError) -> Tag {
        let block = try HeaderBlock.parse(data, type: .tag)
        var h = block.headers[...]
        guard let o = h.popFirst(), o.key == "object" else { throw .malformed(.tag, "first header is not 'object'") }
        let object = try parseID(o.value, "object", .tag)
        guard let t = h.popFirst(), t.key == "type" else { throw .malformed(.tag, "missing 'type' after object") }
        guard let type = ObjectType(name: String(decoding: t.value, as: UTF8.self)) else {
            throw .malformed(.tag, "bad target type '\(String(decoding: t.value, as: UTF8.self))'")
        }
        guard let n = h.popFirst(), n.key == "tag" else { throw .malformed(.tag, "missing 'tag' after type") }
        guard !n.value.isEmpty, !n.value.contains(0x0A) else { throw .malformed(.tag, "empty tag name") }
        // A tag name is a ref name; one that is not UTF-8 could not be written back as it was.
        guard let name = String(validating: n.value, as: UTF8.self) else { throw .malformed(.tag, "tag name is not UTF-8") }
        var tagger: Identity?
        if let tg = h.first, tg.key == "tagger" {
            tagger = try Identity(parsing: tg.value[...], what: "tagger", in: .tag)
            h = h.dropFirst()
        }
        var tag = Tag(object: object, targetType: type, name: name,
                      tagger: tagger, extraHeaders: h.map { Commit.ExtraHeader(key: $0.key, value: $0.value) }, message: "")
        tag.message = block.message
        tag.headersOnly = block.headersOnly
        return tag
    }

    public static func decode(_ bytes: [UInt8]) throws(ObjectError) -> Tag {
        try bytes.withBytes { (p) throws(ObjectError) -> Tag in try decode(p) }
    }
}
