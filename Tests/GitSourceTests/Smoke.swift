import Testing
@testable import GitSource

@Test func gitsourceModuleLoads() {}
