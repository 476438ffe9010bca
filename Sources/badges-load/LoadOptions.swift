import Foundation

/// What the load generator does: where, how hard, for how long, with what mix.
struct LoadOptions {
    /// Targets; connections are spread over them in turn (servers sharing one store).
    var servers: [(host: String, port: Int)] = [("127.0.0.1", 50051)]
    var connections = 8
    var streams = 32
    /// Event-loop threads the connections are spread over; nil: twice the cores, at most one
    /// per connection. On 2 cores sharing the server's, 16 connections on 4 threads made 5-9%
    /// more calls than on 2 while a call cost the generator 3.8 µs (a thread waiting behind a
    /// busy server thread on one core no longer left the other idle); at 3.1-3.5 µs both do
    /// alike.
    var threads: Int?
    /// Requests per second for an open-loop run; nil for closed loop at `connections * streams`.
    var rate: Double?
    var count: Int?
    var duration: Double = 10
    var organizations = 10
    var usersPerOrganization = 1000
    var duplicateShare = 0.05
    var keyFile: String?
    var key: String?
    var jsonOutput = false
    var plot: String?
    var setup = true
    var seed: UInt64 = 1

    static let help = """
    badges-load: drives AwardService/RecordActivity with a realistic mix of events.

    usage: badges-load [options]
      --server HOST:PORT[,HOST:PORT...]   targets; connections are spread over them in turn
                              (servers sharing one PostgreSQL store; default 127.0.0.1:50051)
      --key-file PATH | --key HEX   the server's token key; tokens are minted per organization
      --connections N         HTTP/2 connections (default 8)
      --streams N             concurrent calls per connection (default 32)
      --threads N             event-loop threads for the connections (default twice the
                              cores, at most one per connection)
      --rate R                open loop at R requests/s (latency counted from the intended send
                              time); without it, closed loop at connections x streams
      --count N | --duration S   how much: N requests, or S seconds (default 10 s)
      --orgs N                organizations (default 10); --users N per organization (default 1000)
      --duplicates F          share of requests that repeat an earlier event id (default 0.05)
      --no-setup              do not switch the organizations to ENTERPRISE first
      --json                  print the results as JSON
      --plot PATH             write a latency chart (PNG; needs python3 with matplotlib)
      --seed N                random seed (default 1)
    """

    struct Invalid: Error, CustomStringConvertible { var description: String }

    static func parse(_ arguments: [String]) throws -> LoadOptions {
        var o = LoadOptions()
        var rest = arguments[...]
        func value(_ name: String) throws -> String {
            guard let v = rest.popFirst() else { throw Invalid(description: "\(name) needs a value") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ name: String, _: T.Type) throws -> T {
            let text = try value(name)
            guard let n = T(text) else { throw Invalid(description: "\(name) takes a number, not '\(text)'") }
            return n
        }
        while let name = rest.popFirst() {
            switch name {
            case "--server":
                o.servers = try value(name).split(separator: ",").map { s in
                    guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else {
                        throw Invalid(description: "--server must be HOST:PORT or a comma-separated list of them, got '\(s)'")
                    }
                    return (String(s[..<colon]), port)
                }
            case "--key-file": o.keyFile = try value(name)
            case "--key": o.key = try value(name)
            case "--connections": o.connections = try number(name, Int.self)
            case "--streams": o.streams = try number(name, Int.self)
            case "--threads": o.threads = try number(name, Int.self)
            case "--rate": o.rate = try number(name, Double.self)
            case "--count": o.count = try number(name, Int.self)
            case "--duration": o.duration = try number(name, Double.self)
            case "--orgs": o.organizations = try number(name, Int.self)
            case "--users": o.usersPerOrganization = try number(name, Int.self)
            case "--duplicates": o.duplicateShare = try number(name, Double.self)
            case "--no-setup": o.setup = false
            case "--json": o.jsonOutput = true
            case "--plot": o.plot = try value(name)
            case "--seed": o.seed = try number(name, UInt64.self)
            default: throw Invalid(description: "unknown option '\(name)' (see --help)")
            }
        }
        guard o.connections >= 1, o.streams >= 1 else { throw Invalid(description: "--connections and --streams must be at least 1") }
        if let threads = o.threads, threads < 1 { throw Invalid(description: "--threads must be at least 1") }
        guard o.organizations >= 1, o.usersPerOrganization >= 1 else { throw Invalid(description: "--orgs and --users must be at least 1") }
        guard (0...1).contains(o.duplicateShare) else { throw Invalid(description: "--duplicates is a share between 0 and 1") }
        if let rate = o.rate, rate <= 0 { throw Invalid(description: "--rate must be positive") }
        if let count = o.count, count < 1 { throw Invalid(description: "--count must be at least 1") }
        guard o.key != nil || o.keyFile != nil else { throw Invalid(description: "--key-file or --key is required to mint tokens") }
        return o
    }
}
