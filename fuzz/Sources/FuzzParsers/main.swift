import Foundation
import TestSupport

// libFuzzer target over the reading parsers: every input goes through every parser and the layout walker (see ParserHarness).
// SwiftPM gives executables their own entry point, so libFuzzer is driven through LLVMFuzzerRunDriver rather than its main().

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = runFuzzerDriver(&argc, &argv) { bytes, count in
    ParserHarness.exercise(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}
exit(status)
