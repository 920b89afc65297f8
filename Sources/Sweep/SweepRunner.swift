import Foundation
import Scenario

/// Runs a sweep's points on several threads at once. Each run is independent
/// (its own simulation, its own seed), so the results are the same, in the
/// same order, whatever `jobs` is.
public enum SweepRunner {
    /// The run of every scenario, in order; `progress(done, total)` is called
    /// (one call at a time) as runs finish.
    public static func run(_ scenarios: [ScenarioSpec], jobs: Int,
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws(Failure) -> [RunResult] {
        let board = Board(count: scenarios.count)
        let workers = max(1, min(jobs, scenarios.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = board.take() {
                let outcome: Result<RunResult, ScenarioError>
                do {
                    outcome = .success(try ScenarioRun(scenarios[i]).run())
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
        var outcomes: [Result<RunResult, ScenarioError>?]

        init(count: Int) { outcomes = Array(repeating: nil, count: count) }

        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            // Stop handing out work after a failure: it is reported as it is.
            guard next < outcomes.count, !failed else { return nil }
            next += 1
            return next - 1
        }

        func put(_ i: Int, _ outcome: Result<RunResult, ScenarioError>, progress: (Int, Int) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            outcomes[i] = outcome
            if case .failure = outcome { failed = true }
            done += 1
            progress(done, outcomes.count)
        }
    }
}
