import Testing
@testable import AccordContracts
