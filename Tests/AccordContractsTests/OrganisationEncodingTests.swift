import Foundation
import Testing
import AccordTrust

/// `organisation.json` is what an administrator signs: encoding must keep every value as typed.
/// The input is the fuzz finding (a name holding `" : `, which a whole-text find-and-replace
/// of Foundation's `"key" : value` used to shorten).
@Suite struct OrganisationEncodingTests {
    static let finding = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/findings/organisation-name-quote-space-colon.json").path

    @Test func aValueHoldingQuoteSpaceColonSurvivesEncoding() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Self.finding))
        let org = try Organisation(bytes: Array(bytes))
        #expect(org.people.first?.name == "Ann \" : Lee")
        let encoded = org.encoded()
        let again = try Organisation(bytes: encoded)
        #expect(again == org)
        #expect(again.encoded() == encoded)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains(#""name": "Ann \" : Lee""#), "\(text)")
        #expect(!text.contains("\" : \"Acme"), "keys are tightened: \(text)")
    }
}
