/// ECR Public's documented image-pull quotas (service quotas page of the ECR Public user guide): 1 pull per second per
/// source IP for unauthenticated callers, 10 per second per account for authenticated ones. A pull is a manifest
/// download, so `GET …/manifests/…` requests are paced by these; HEADs (blobs, manifests, tags) move no content and are
/// bounded by `--concurrency`, the retry budget and the registry's 429 + `Retry-After`.
public enum PullQuota {
    public static let unauthenticatedPerSecond = 1
    public static let authenticatedPerSecond = 10
    /// Other registries (mirrors, the test registry) publish no quota: only `--concurrency` and 429s bound them.
    public static let unlimitedPerSecond = 1000
}
