import Testing
@testable import ECRPublic

@Test func ecrpublicModuleLoads() {}
