import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What is wrong with a config or layer blob without asking the registry: its inline data, and the blob in the tree
/// as probed (content or Git LFS pointer, of the size and digest the descriptor names).
extension LayoutReader {
    /// Something wrong with a config/layer blob, found without asking the registry; `severity` nil for the rule's own.
    typealias LocalProblem = (rule: Rule, message: String, severity: Severity?)

    /// What is wrong locally with one config/layer blob: its inline `data`, and the blob in the tree (content or LFS pointer).
    func localProblems(_ descriptor: Descriptor, digest: Digest, what: String, state: inout State)
        -> [LocalProblem]
    {
        var problems = inlineDataProblems(descriptor, digest: digest, what: what)
        // One output's blob path is a function of the digest: keyed by the digest, not the longer path.
        let probe: BlobProbe
        if let known = state.probes[digest] {
            probe = known
        } else if let directory = blobDirectory(digest, state: &state) {
            probe = source.probe(
                digest, inDirectory: directory, within: state.root, declaredSize: descriptor.size)
            state.probes[digest] = probe
        } else {
            probe = source.probe(blobPath(digest, in: state), algorithm: digest.algorithm, within: state.root)
            state.probes[digest] = probe
        }
        problems += blobProblems(
            probe, at: self.blobPath(digest, in: state), descriptor: descriptor, digest: digest, what: what)
        return problems
    }

    /// The format's directory for blobs of `digest`'s algorithm (`OutputFormat.blobDirectory`), asked once per output
    /// and algorithm.
    private func blobDirectory(_ digest: Digest, state: inout State) -> String? {
        if let known = state.blobDirectories[digest.algorithm] { return known }
        let directory = format.blobDirectory(of: digest, root: state.root)
        state.blobDirectories[digest.algorithm] = .some(directory)
        return directory
    }

    /// What is wrong with a descriptor's inline `data`: not base64, or not the size and digest the descriptor names.
    private func inlineDataProblems(_ descriptor: Descriptor, digest: Digest, what: String) -> [LocalProblem] {
        guard let inline = descriptor.data else { return [] }
        guard let bytes = Data(base64Encoded: inline) else {
            return [(.manifestInvalid, "\(what) \(digest) has inline data that is not base64", nil)]
        }
        var problems: [LocalProblem] = []
        if Int64(bytes.count) != descriptor.size {
            problems.append(
                (
                    .sizeMismatch,
                    "\(what) \(digest) carries \(bytes.count) bytes of inline data but its descriptor says \(descriptor.size)",
                    nil
                ))
        }
        if let actual = ContentDigest.compute(bytes, algorithm: digest.algorithm), actual != digest {
            problems.append((.digestMismatch, "\(what) \(digest): its inline data hashes to \(actual)", nil))
        }
        return problems
    }

    /// What is wrong with the blob in the tree, as probed: unreadable, or an LFS pointer or content of another size or
    /// digest than the descriptor's. Nothing when it is absent (the registry is asked for it instead).
    private func blobProblems(
        _ probe: BlobProbe, at blobPath: @autoclosure () -> String, descriptor: Descriptor, digest: Digest,
        what: String
    ) -> [LocalProblem] {
        var problems: [LocalProblem] = []
        switch probe {
        case .missing:
            break
        case .notReadable(let why):
            problems.append((.manifestInvalid, "\(what) \(digest) at \(blobPath()) cannot be read: \(why)", .warning))
        case .lfsPointer(let pointer):
            if pointer.size != descriptor.size {
                problems.append(
                    (
                        .sizeMismatch,
                        "\(what) \(digest.short): \(blobPath()) is a Git LFS pointer to \(pointer.size) bytes but the descriptor says \(descriptor.size)",
                        nil
                    ))
            }
            if digest.algorithm == "sha256" && pointer.oid != digest {
                problems.append(
                    (
                        .digestMismatch,
                        "\(what) \(digest.short): \(blobPath()) is a Git LFS pointer to \(pointer.oid), a different content",
                        nil
                    ))
            }
        case .content(let size, let actual):
            if size != descriptor.size {
                problems.append(
                    (
                        .sizeMismatch,
                        "\(what) \(digest.short): \(blobPath()) is \(size) bytes but the descriptor says \(descriptor.size)",
                        nil
                    ))
            }
            if let actual, actual != digest {
                problems.append(
                    (
                        .digestMismatch,
                        "\(what) \(digest.short): \(blobPath()) hashes to \(actual), not to the digest that names it",
                        nil
                    ))
            }
        }
        return problems
    }
}
