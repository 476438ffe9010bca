import BadgeServer
import Badges
import BadgeStore
import Digests
import Foundation
import RPC
import RPCCore

/// badged: loads the catalog and the store, serves the badges service, counts sessions whose
/// time passed in the background, and shuts down gracefully on SIGTERM or SIGINT.

TerminationSignals.install()
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
    ledger = try BadgeLedger(location: configuration.store, catalog: catalog, options: options)
    let tls = try configuration.tlsCertificate.map { try TLSContext.server(certificateFile: $0, keyFile: configuration.tlsKey!) }
    let routes = BadgeService.routes(ledger: ledger, authority: TokenAuthority(key: key)) { Int64(Date().timeIntervalSince1970) }
    server = try GRPCServer(
        configuration: ServerConfiguration(host: configuration.host, port: configuration.port, tls: tls, eventLoops: configuration.eventLoops),
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

// E-mail digests, when a relay is configured: each due period queued once, sent with retries.
let digests: Task<Void, Never>? = configuration.smtpRelay.map { relay in
    let scheduler = DigestScheduler(ledger: ledger, mailer: SMTPMailer(relay: relay, from: configuration.smtpFrom), clock: SystemClock())
    Log.info("digests on", ["relay": relay])
    return repeating(everyMilliseconds: configuration.digestIntervalMilliseconds, failure: "digest round failed") {
        try await scheduler.tick()
    }
}

let signal = await TerminationSignals.next()
Log.info("shutting down", ["signal": "\(signal)", "calls_in_flight": "\(server.callsInFlight)"])
await server.shutdown(grace: .milliseconds(Int(configuration.grace * 1000)))
sweeper.cancel()
digests?.cancel()
// A round under way finishes before the store closes under it.
await sweeper.value
await digests?.value
ledger.close()
Log.info("stopped")
