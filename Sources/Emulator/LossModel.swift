import DeterministicRandom

/// How a link loses packets at random, on top of queue drops and failures.
public enum LossModel: Sendable, Equatable {
    /// No random loss.
    case none
    /// Each packet is lost with probability `probability`, independently.
    case bernoulli(probability: Double)
    /// Gilbert–Elliott: a two-state Markov chain stepped once per packet. In the
    /// good state packets are lost with `lossInGood`, in the bad state with
    /// `lossInBad`; `goodToBad` and `badToGood` are the transition probabilities.
    /// The stationary loss rate is
    /// `(badToGood * lossInGood + goodToBad * lossInBad) / (goodToBad + badToGood)`.
    case gilbertElliott(goodToBad: Double, badToGood: Double, lossInGood: Double, lossInBad: Double)

    /// The long-run loss probability.
    public var stationaryLossRate: Double {
        switch self {
        case .none: return 0
        case let .bernoulli(p): return p
        case let .gilbertElliott(gb, bg, lg, lb):
            let total = gb + bg
            return total == 0 ? lg : (bg * lg + gb * lb) / total
        }
    }
}

/// The running state of a loss model: its random source and Markov state.
struct LossState: Sendable {
    var model: LossModel
    var random: SeededGenerator
    var bad = false

    init(model: LossModel, random: SeededGenerator) {
        self.model = model
        self.random = random
    }

    /// Steps the model for one packet; true when the packet is lost.
    @inline(__always)
    mutating func loses() -> Bool {
        switch model {
        case .none:
            return false
        case let .bernoulli(p):
            return random.nextUnit() < p
        case let .gilbertElliott(gb, bg, lg, lb):
            let lost = random.nextUnit() < (bad ? lb : lg)
            bad = bad ? random.nextUnit() >= bg : random.nextUnit() < gb
            return lost
        }
    }
}
