import BadgeAPI
import BadgeServer
import Foundation
import RPC
import RPCCore
import Synchronization
import Wire

/// badges-load: drives AwardService/RecordActivity over many connections and streams, open
/// or closed loop, for a count or a duration; shows a live progress line and ends with
/// throughput, latency percentiles and statuses (optionally as JSON and a chart).

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") {
    print(LoadOptions.help)
    exit(0)
}
let options: LoadOptions
do {
    options = try LoadOptions.parse(arguments)
} catch {
    FileHandle.standardError.write(Data("badges-load: \(error)\n".utf8))
    exit(2)
}

// Tokens, one per organization, from the server's key.
let keyHex = options.key ?? (try? String(contentsOfFile: options.keyFile!, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
guard let key = Hex.decode(keyHex), key.count >= 16 else {
    FileHandle.standardError.write(Data("badges-load: the token key must be at least 16 bytes of hex\n".utf8))
    exit(2)
}
let authority = TokenAuthority(key: key)
let expiry = Int64(Date().timeIntervalSince1970) + 86_400
let tokens: [CallOptions] = (0..<options.organizations).map { i in
    var metadata = Metadata()
    metadata.add("authorization", "Bearer " + authority.mint(organizationID: EventMix.organizationID(i), scopes: [.admin], expiresAt: expiry))
    return CallOptions(metadata: metadata, timeout: .seconds(30))
}

let threads = options.threads ?? min(options.connections, 2 * System.coreCount)
let group = EventLoopGroup(loopCount: threads)
let transports = (0..<options.connections).map { n in
    GRPCClient(host: options.servers[n % options.servers.count].host, port: options.servers[n % options.servers.count].port, group: group)
}
let clients = transports.map { AwardServiceClient(transport: $0) }

if options.setup {
    for i in 0..<options.organizations {
        let org = EventMix.organizationID(i)
        var request = ConfigureOrganizationRequest()
        request.organizationID = org
        request.tier = .enterprise
        request.badgesEnabled = true
        do {
            _ = try await clients[0].configureOrganization(request, options: tokens[i])
        } catch {
            FileHandle.standardError.write(Data("badges-load: cannot set up \(org): \(error)\n".utf8))
            exit(1)
        }
    }
}

let runID = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
// One mix per connection, so that the loops never wait for each other's lock; each names its
// events apart from the others'.
let names = EventMix.Names(organizations: options.organizations, usersPerOrganization: options.usersPerOrganization)
let mixes = (0..<options.connections).map { n in
    SharedMix(EventMix(names: names, duplicateShare: options.duplicateShare, seed: options.seed &+ UInt64(n), runID: "\(runID)c\(n)"))
}
// Connection n lives on loop n % threads (the group hands loops out in turn): one shard each.
let stats = LoadStats(shards: threads)
let issued = Atomic<Int>(0)
let started = ContinuousClock.now
let deadline = started + .milliseconds(Int64(options.duration * 1000))
/// Set at the deadline, so that claiming a call reads no clock.
let timeUp = Atomic<Bool>(false)
let timekeeper = Task {
    try? await Task.sleep(until: deadline, clock: .continuous)
    timeUp.store(true, ordering: .relaxed)
}
/// The wall clock in seconds, for events' occurred_at; moved on by the progress task.
let wallSeconds = Atomic<Int64>(Int64(Date().timeIntervalSince1970))

/// Claims the next request, or nil when the count or duration is used up.
@Sendable func claim() -> Bool {
    if let count = options.count { return issued.add(1, ordering: .relaxed).newValue <= count }
    return !timeUp.load(ordering: .relaxed)
}

/// Makes one call and counts its outcome, then calls `next` (on the client's loop).
@Sendable func call(_ connection: Int, intended: ContinuousClock.Instant, then next: @escaping @Sendable () -> Void) {
    let (request, organization, duplicate) = mixes[connection].mix.withLock { $0.nextRequest(now: wallSeconds.load(ordering: .relaxed)) }
    clients[connection].recordActivity(request, options: tokens[organization]) { result in
        let elapsed = ContinuousClock.now - intended
        let micros = UInt64(max(elapsed.components.seconds, 0)) * 1_000_000 + UInt64(max(elapsed.components.attoseconds, 0) / 1_000_000_000_000)
        switch result {
        case .success(let response):
            stats.record(shard: connection, microseconds: micros, status: .ok, duplicateSent: duplicate, duplicateAnswered: response.duplicate)
        case .failure(let error):
            stats.record(shard: connection, microseconds: micros, status: error.code, duplicateSent: duplicate, duplicateAnswered: false)
        }
        next()
    }
}

/// The live progress line on standard error, rewritten in place.
@Sendable func showProgress(since last: Int) -> Int {
    let (completed, errors, p99) = stats.progress()
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    FileHandle.standardError.write(Data(String(format: "\r[%5.1fs] %d done, %d/s, %d errors, p99 %.2f ms   ", seconds, completed, completed - last, errors, p99).utf8))
    return completed
}

let progress = Task {
    var last = 0
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(1))
        wallSeconds.store(Int64(Date().timeIntervalSince1970), ordering: .relaxed)
        if !Task.isCancelled { last = showProgress(since: last) }
    }
}

let mode: String
if let rate = options.rate {
    // Open loop: requests leave on schedule whatever the answers do; latency counts from the
    // intended send time, so a stalled server shows as latency (no coordinated omission).
    mode = "open loop at \(Int(rate)) req/s over \(options.connections) connections"
    let interval = Duration.nanoseconds(Int64(1e9 / rate))
    await withTaskGroup(of: Void.self) { tasks in
        var n = 0
        var intended = started
        while claim() {
            let now = ContinuousClock.now
            if intended > now { try? await Task.sleep(until: intended, clock: .continuous) }
            let connection = n % clients.count
            let at = intended
            tasks.addTask(executorPreference: transports[connection].loop) {
                await withCheckedContinuation { answered in call(connection, intended: at) { answered.resume() } }
            }
            n += 1
            intended += interval
        }
    }
} else {
    mode = "closed loop, \(options.connections) connections x \(options.streams) streams"
    await ClosedLoop.run(workers: options.connections * options.streams, loop: { transports[$0 % transports.count].loop },
                         claim: claim) { worker, done in
        call(worker % clients.count, intended: .now, then: done)
    }
}
progress.cancel()
timekeeper.cancel()
_ = showProgress(since: stats.completed)
FileHandle.standardError.write(Data("\n".utf8))
let elapsed = ContinuousClock.now - started
let summary = stats.summary(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
if options.jsonOutput {
    print(summary.json(mode: mode).serialized(pretty: true))
} else {
    print(summary.text(mode: mode))
}
if let plot = options.plot {
    LatencyPlot.write(summary, mode: mode, to: plot)
}
exit(summary.ok == summary.requests ? 0 : 1)
