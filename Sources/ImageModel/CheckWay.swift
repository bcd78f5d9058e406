/// How to ask whether blobs are published (SPEC §4.1): the signed API, the public registry, or whichever credentials allow.
public enum CheckWay: String, Sendable, CaseIterable, Codable {
    case api, registry, auto
}
