import Badges

/// Why the ledger refused a request, in terms the RPC layer maps to status codes.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    /// Badges are off for the organization (tier or switch): FAILED_PRECONDITION.
    case badgesUnavailable(String)
    case notFound(String)
    case invalidArgument(String)
    case permissionDenied(String)
    /// Closing, or PostgreSQL out of reach: UNAVAILABLE.
    case unavailable(String)
    /// A commit failed: INTERNAL. SQLite's ledger then accepts nothing more until restarted
    /// (memory and disk may differ); PostgreSQL's keeps no state to disagree, and goes on.
    case storeFailed(String)

    public var description: String {
        switch self {
        case .badgesUnavailable(let m), .notFound(let m), .invalidArgument(let m), .permissionDenied(let m), .unavailable(let m):
            return m
        case .storeFailed(let m):
            return "the store failed: \(m)"
        }
    }
}
