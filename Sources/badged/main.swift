import BadgeServer
import Badges
import BadgeStore
import Digests
import Foundation
import RPC
import RPCCore

/// badged: loads the catalog and the store, serves the badges service, counts sessions whose
/// time passed in the background, reloads its TLS certificate on SIGHUP, and shuts down
/// gracefully on SIGTERM or SIGINT.

Signals.install(also: [SIGHUP])
// A write past a file size limit fails with EFBIG, which the store reports like a full disk,
// instead of the signal that would end the process.
signal(SIGXFSZ, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(Configuration.help)
    exit(0)
}

func fail(_ message: String) -> Never {
    Log.error(message)
    FileHandle.standardError.write(Data("badged: \(message)\n".utf8))
    exit(1)
}

let configuration: Configuration
do {
    configuration = try Configuration.load(arguments: arguments, environment: ProcessInfo.processInfo.environment)
} catch {
    fail("\(error)")
}

let catalog: Catalog
let ledger: BadgeLedger
let server: GRPCServer
do {
    catalog = try configuration.catalog.map { try CatalogLoader.load(path: $0) } ?? CatalogLoader.bundled()
    let key = try configuration.resolveTokenKey()
    var options = LedgerOptions()
    options.postgresConnections = configuration.storeConnections
    options.cacheBytes = configuration.cacheMegabytes << 20
    options.log = StoreLog { message, fields in Log.error(message, fields) }
    ledger = try BadgeLedger(location: configuration.store, catalog: catalog, options: options)
    let tls = try configuration.tlsCertificate.map { try TLSContext.server(certificateFile: $0, keyFile: configuration.tlsKey!) }
    let authority = TokenAuthority(key: key, maxLifetime: configuration.maxTokenLifetime)
    let routes = BadgeService.routes(ledger: ledger, authority: authority) { Int64(Date().timeIntervalSince1970) }
    var limits = ServerLimits()
    limits.maxConnections = configuration.maxConnections
    limits.maxConnectionsPerPeer = configuration.maxConnectionsPerPeer
    // The largest request the schema allows is a batch of 1,000 events at about 1.2 KB each.
    limits.maxReceiveMessageSize = 2 << 20
    limits.connectionReceiveBudget = limits.maxReceiveMessageSize + (64 << 10)
    server = try GRPCServer(
        configuration: ServerConfiguration(host: configuration.host, port: configuration.port, tls: tls, eventLoops: configuration.eventLoops,
                                           limits: limits, log: ServerLog { message, fields in Log.info(message, fields) }),
        routes: routes)
} catch {
    fail("cannot start: \(error)")
}

let scheme = configuration.tlsCertificate == nil ? "h2c" : "TLS"
let address = "\(configuration.host):\(server.port)"
Log.info("listening", ["address": address, "transport": scheme, "store": configuration.storeForDisplay,
                       "catalog_version": "\(catalog.version)", "badges": "\(catalog.badges.count)"])
StandardOutput.line("badged listening on \(address) (\(scheme)), store \(configuration.storeForDisplay), catalog v\(catalog.version) with \(catalog.badges.count) badges")
// badgectl is built beside badged; name it by its path when it is there.
let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("badgectl").path
let badgectl = FileManager.default.isExecutableFile(atPath: here) ? here : "badgectl"
StandardOutput.line("call it:  \(badgectl) --server \(address)\(scheme == "TLS" ? " --tls-ca CERT" : "") --token \"$(\(badgectl) token mint --key-file \(configuration.keyFilePath) --org acme --scopes admin)\" award configure-organization --organization-id acme --tier ENTERPRISE --badges-enabled true")

/// Runs `work` every `milliseconds` until cancelled; a failed round is logged and the next
/// one runs as usual.
func repeating(everyMilliseconds milliseconds: Int, failure: String, _ work: @escaping @Sendable () async throws -> Void) -> Task<Void, Never> {
    Task {
        while !Task.isCancelled {
            // Cancelled while asleep: stop, rather than run one more round on a closing store.
            do { try await Task.sleep(for: .milliseconds(milliseconds)) } catch { return }
            do {
                try await work()
            } catch {
                Log.error(failure, ["error": "\(error)"])
            }
        }
    }
}

// Sessions whose scheduled end passed are counted here (queries are right before this too).
let sweeper = repeating(everyMilliseconds: configuration.sweepIntervalMilliseconds, failure: "sweep failed") {
    try await ledger.sweep()
}

// Backfills (an organization's badges switched on) that a stop cut short are finished here.
let backfills = repeating(everyMilliseconds: 5000, failure: "backfill failed") {
    try await ledger.resumeBackfills()
}

// E-mail digests, when a relay is configured: each due period queued once, sent with retries.
let digests: Task<Void, Never>? = configuration.smtpRelay.map { relay in
    let mailer = SMTPMailer(relay: relay, from: configuration.smtpFrom, requireTLS: configuration.smtpRequireTLS, trustedCertificates: configuration.smtpCA)
    let scheduler = DigestScheduler(ledger: ledger, mailer: mailer, clock: SystemClock())
    Log.info("digests on", ["relay": relay])
    return repeating(everyMilliseconds: configuration.digestIntervalMilliseconds, failure: "digest round failed") {
        try await scheduler.tick()
    }
}

/// The certificate and key files read again, for new connections (open ones keep theirs).
func reloadCertificate() {
    guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
        return Log.info("SIGHUP: nothing to reload (no TLS certificate configured)")
    }
    do {
        try server.reloadTLS(try TLSContext.server(certificateFile: certificate, keyFile: key))
        Log.info("TLS certificate reloaded", ["certificate": certificate])
    } catch {
        Log.error("TLS certificate not reloaded; the previous one stays in use", ["error": "\(error)"])
    }
}

var received = await Signals.next()
while received == SIGHUP {
    reloadCertificate()
    received = await Signals.next()
}
Log.info("shutting down", ["signal": "\(received)", "calls_in_flight": "\(server.callsInFlight)"])
await server.shutdown(grace: .milliseconds(Int(configuration.grace * 1000)))
sweeper.cancel()
backfills.cancel()
digests?.cancel()
// A round under way finishes before the store closes under it.
await sweeper.value
await backfills.value
await digests?.value
ledger.close()
Log.info("stopped")
