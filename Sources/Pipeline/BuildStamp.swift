import CBuildStamp
import GitAccess
import Registry

/// What this binary is: the stamped release version and commit (one value in the tarball, the .deb and the image),
/// and the C libraries it runs with.
public enum BuildStamp {
    public static let version = String(cString: vl_stamp_version())
    public static let commit = String(cString: vl_stamp_commit())

    /// `verify-layers 0.3.0 (abc1234)`, or `verify-layers 0.0.0-dev` unstamped.
    public static var versionLine: String {
        "verify-layers \(version)" + (commit.isEmpty ? "" : " (\(commit))")
    }

    /// libgit2 is linked into a release binary; libcurl is the system's.
    public static var libraries: [(String, String)] {
        [("libgit2", GitRepository.libraryVersion), ("libcurl", HTTPLibrary.version)]
    }
}
