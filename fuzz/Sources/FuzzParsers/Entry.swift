import Foundation
import TestSupport

/// libFuzzer's entry point: every input goes through every reading parser (see `ParserHarness`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParsers(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    ParserHarness.exercise(Data(bytes: bytes, count: count))
    return 0
}
