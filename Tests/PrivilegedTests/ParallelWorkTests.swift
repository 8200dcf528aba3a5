import CNITestSupport
import Glibc
import LinuxSupport
import Synchronization
import Testing

/// DEL overlaps two kernel waits with `ParallelWork`; the background piece must run on another
/// thread, in the caller's network namespace, and be finished when `run` returns.
@Suite(
    "ParallelWork runs its background piece on a fresh thread in the caller's namespace",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct ParallelWorkTests {
    /// Where a piece of work ran.
    struct Place: Sendable, Equatable {
        var thread: pthread_t
        var namespace: UInt64

        static func here() -> Place { Place(thread: pthread_self(), namespace: NetworkNamespace.currentInode()) }
    }

    @Test("Both pieces run once; the background one on its own thread, in the caller's namespace")
    func runsBesideCaller() throws {
        try withThrowawayNetworkNamespace(prefix: "pwtest") { scratch in
            let (caller, foreground, background) = try scratch.namespace.withEntered {
                let log = PlaceLog()
                var foreground: [Place] = []
                ParallelWork.run({ foreground.append(.here()) }, alongside: { log.record(.here()) })
                return (Place.here(), foreground, log.places)
            }
            #expect(caller.namespace == scratch.inode)
            #expect(foreground == [caller])
            #expect(background.count == 1, "finished before run returned")
            #expect(background.first?.namespace == scratch.inode, "a fresh thread starts in the caller's namespace")
            #expect(background.first.map { pthread_equal($0.thread, caller.thread) == 0 } == true)
        }
    }

    @Test("Nested: a background piece may itself run pieces side by side")
    func nested() {
        let log = PlaceLog()
        ParallelWork.run({ log.record(.here()) }, alongside: {
            ParallelWork.run({ log.record(.here()) }, alongside: { log.record(.here()) })
        })
        #expect(log.places.count == 3)
        #expect(Set(log.places.map(\.thread)).count == 3, "three threads")
    }
}

/// Places recorded from any thread.
final class PlaceLog: Sendable {
    private let recorded = Mutex<[ParallelWorkTests.Place]>([])
    var places: [ParallelWorkTests.Place] { recorded.withLock { $0 } }
    func record(_ place: ParallelWorkTests.Place) { recorded.withLock { $0.append(place) } }
}
