import Foundation
import Scenario

/// Runs a sweep's points on several threads at once. Each run is independent
/// (its own simulation, its own seed), so the results are the same, in the
/// same order, whatever `jobs` is.
public enum SweepRunner {
    /// Runs every point and summarises each on the thread that ran it (a full
    /// run result holds every time series: thousands of them are not kept);
    /// the summaries come back in order. `progress(done, total)` is called
    /// one call at a time as runs finish.
    public static func run(_ points: [(scenario: ScenarioSpec, identity: PointResult.Identity)], jobs: Int,
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws(Failure) -> [PointResult] {
        let board = Board(count: points.count)
        let workers = max(1, min(jobs, points.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = board.take() {
                let outcome: Result<PointResult, ScenarioError>
                do {
                    outcome = .success(PointResult(try ScenarioRun(points[i].scenario).run(), identity: points[i].identity))
                } catch let e as ScenarioError {
                    outcome = .failure(e)
                } catch {
                    outcome = .failure(ScenarioError("\(error)"))
                }
                board.put(i, outcome, progress: progress)
            }
        }
        for (i, outcome) in board.outcomes.enumerated() {
            if case let .failure(e)? = outcome { throw Failure(index: i, message: e.message) }
        }
        return board.outcomes.map { outcome in
            guard case let .success(r)? = outcome else { preconditionFailure("every point is taken once and put back") }
            return r
        }
    }

    /// A run that could not start: which scenario (the first in order) and why.
    public struct Failure: Error, Sendable {
        public var index: Int
        public var message: String
    }

    /// The next point to run and the outcomes so far, behind one lock.
    private final class Board: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var done = 0
        private var failed = false
        var outcomes: [Result<PointResult, ScenarioError>?]

        init(count: Int) { outcomes = Array(repeating: nil, count: count) }

        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            // Stop handing out work after a failure: it is reported as it is.
            guard next < outcomes.count, !failed else { return nil }
            next += 1
            return next - 1
        }

        func put(_ i: Int, _ outcome: Result<PointResult, ScenarioError>, progress: (Int, Int) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            outcomes[i] = outcome
            if case .failure = outcome { failed = true }
            done += 1
            progress(done, outcomes.count)
        }
    }
}
