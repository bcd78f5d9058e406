import ImageModel
import Testing

@testable import Checking

/// The countdown of unread outputs per repository (kept flat, by repository number): what each output read settles.
@Suite struct OutputCountdownTests {
    static func repo(_ name: String) -> RepositoryRef { RepositoryRef(registryId: "demo", repositoryName: name) }

    @Test func eachOutputReadCountsDownItsRepositoriesAndAnUnknownOneHoldsEveryRepositoryBack() {
        var countdown = OutputCountdown()
        #expect(!countdown.hasForecasts)
        countdown.expect([.repositories([Self.repo("app")]), .unknown], more: true)
        countdown.expect([.repositories([Self.repo("app"), Self.repo("web")]), .repositories([])])
        #expect(countdown.hasForecasts && !countdown.awaitingMore)
        #expect(!countdown.isSettled(Self.repo("app")) && !countdown.isSettled(Self.repo("web")))

        let first = countdown.outputRead()
        #expect(first?.reachedZero == [] && first?.unknownCleared == false, "app has one more output to come")
        let second = countdown.outputRead()
        #expect(second?.reachedZero == [] && second?.unknownCleared == true)
        #expect(!countdown.isSettled(Self.repo("app")), "the third output adds to app")
        #expect(countdown.isSettled(Self.repo("other")), "nothing unread maps to other, and no unknown is left")
        let third = countdown.outputRead()
        #expect(Set(third?.reachedZero ?? []) == [Self.repo("app"), Self.repo("web")])
        #expect(countdown.isSettled(Self.repo("app")) && countdown.isSettled(Self.repo("web")))
        let fourth = countdown.outputRead()
        #expect(fourth?.reachedZero == [] && fourth?.unknownCleared == false, "an output that maps to nothing")
        #expect(countdown.outputRead() == nil, "nothing settles by an output nobody forecast")
    }

    @Test func nothingIsSettledWhileMoreForecastsAreToCome() {
        var countdown = OutputCountdown()
        countdown.expect([.repositories([Self.repo("app")])], more: true)
        _ = countdown.outputRead()
        #expect(!countdown.isSettled(Self.repo("app")), "an output not forecast yet may still add to it")
        countdown.expect([], more: false)
        #expect(countdown.isSettled(Self.repo("app")))
    }
}
