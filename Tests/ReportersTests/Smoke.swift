import Testing
@testable import Reporters

@Test func reportersModuleLoads() {}
