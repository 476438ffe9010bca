import Badges

/// Why the ledger refused a request, in terms the RPC layer maps to status codes.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    /// Badges are off for the organization (tier or switch): FAILED_PRECONDITION.
    case badgesUnavailable(String)
    case notFound(String)
    case invalidArgument(String)
    case permissionDenied(String)
    /// Closing, a commit that failed (disk full), PostgreSQL out of reach: UNAVAILABLE, and
    /// nothing of the call was kept. Writes succeed again once the store can commit.
    case unavailable(String)
    /// The store refused one operation's changes for a reason of its own (logged): INTERNAL.
    case storeFailed(String)

    public var description: String {
        switch self {
        case .badgesUnavailable(let m), .notFound(let m), .invalidArgument(let m), .permissionDenied(let m), .unavailable(let m):
            return m
        case .storeFailed(let m):
            return m
        }
    }
}
