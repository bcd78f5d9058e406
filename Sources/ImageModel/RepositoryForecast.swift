/// Which repositories the images of one output can be planned under, predicted before the output is read: a checking
/// run that knows no unread output can add to a repository sends that repository's last, partial batch at once
/// instead of at the end of reading. A prediction only decides when a batch leaves, never what is asked: a wrong one
/// costs at most an extra call.
public enum RepositoryForecast: Sendable, Hashable {
    /// Every image of the output maps to one of these (or to none: an empty set).
    case repositories(Set<RepositoryRef>)
    /// Not knowable without reading the output (an archive, a name in a deeper document): until it is read, it may add
    /// to any repository.
    case unknown
}
