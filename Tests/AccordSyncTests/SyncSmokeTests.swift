import Testing
@testable import AccordSync

@Test func moduleLoads() { _ = AccordSync.self }
