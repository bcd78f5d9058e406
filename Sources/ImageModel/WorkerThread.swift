#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached POSIX thread with its own stack size (Foundation's `Thread` is outside FoundationEssentials): the
/// one way this program starts a thread. The registry side of a run (`Verifier`), the older half of a long range's diff
/// (`RangeDiff`) and libcurl's preload (`HTTPLibrary.preloadInBackground`) each get a real thread, not a slot in
/// Dispatch's pool that blocking work could starve. In ImageModel, which every module that starts one imports.
public enum WorkerThread {
    /// 8 MiB, glibc's usual default for a new thread (`ulimit -s`): ample for any of the three.
    public static let defaultStackSize = 8 << 20

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Returns false when no thread could be started (the caller then runs `body` itself).
    public static func start(stackSize: Int, _ body: @escaping () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(
            &thread, &attributes,
            { context in
                guard let context else { return nil }
                Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
        if code != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        return true
    }
}
