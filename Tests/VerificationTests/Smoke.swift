import Testing
@testable import Verification

@Test func verificationModuleLoads() {}
