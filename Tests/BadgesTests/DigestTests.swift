import Badges
import BadgeStore
import Digests
import Foundation
import Testing

enum MailCatcherError: Error {
    /// aiosmtpd is missing (scripts/install-deps --tests installs it) or the port is taken.
    case didNotStart
}

/// A real SMTP server on loopback: Python's aiosmtpd writing each message to a maildir. With
/// `requireTLS`, it offers STARTTLS with a certificate made for 127.0.0.1 (`certificate`) and
/// refuses mail until the client has switched to TLS.
final class MailCatcher {
    let port: Int
    let directory: URL
    let requireTLS: Bool
    private var process: Process?

    init(port: Int? = nil, requireTLS: Bool = false) {
        // Below Linux's ephemeral range (32768 and up), where connections of this test run
        // (PostgreSQL, the gRPC tests) could be holding the port.
        self.port = port ?? Int.random(in: 20_000..<32_768)
        self.requireTLS = requireTLS
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
    }

    /// The relay's self-signed certificate, which the mailer is told to trust.
    var certificate: String { directory.appendingPathComponent("cert.pem").path }

    func start() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tlsArguments: [String] = []
        if requireTLS {
            let key = directory.appendingPathComponent("key.pem").path
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                 "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            tlsArguments = ["--tlscert", certificate, "--tlskey", key]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)"] + tlsArguments
            + ["-c", "aiosmtpd.handlers.Mailbox", directory.appendingPathComponent("box").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        // Ready when it accepts connections. Python starts slowly while the other suites keep
        // both cores busy: wait up to 20 s, unless it has already exited.
        for _ in 0..<400 where p.isRunning {
            if canConnect() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw MailCatcherError.didNotStart
    }

    func stop() {
        // aiosmtpd's CLI lingers on SIGTERM; the test needs it gone now.
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var relay: String { "smtp://127.0.0.1:\(port)" }

    /// The messages received, each as its raw text.
    func messages() -> [String] {
        let new = directory.appendingPathComponent("box/new")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []
        return files.sorted().compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }

    private func canConnect() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// The text of a digest's parts, decoded from base64.
func decodedParts(_ message: String) -> String {
    var parts: [String] = []
    var collecting = false
    var sawEncoding = false
    var base64 = ""
    for line in message.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) {
        if collecting {
            if line.hasPrefix("--") || line.isEmpty {
                if let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) { parts.append(text) }
                (collecting, base64) = (false, "")
            } else {
                base64 += line
            }
        } else if line == "Content-Transfer-Encoding: base64" {
            sawEncoding = true
        } else if sawEncoding && line.isEmpty {
            (collecting, sawEncoding) = (true, false)
        }
    }
    return parts.joined(separator: "\n")
}

@Suite("E-mail digests", .serialized)
struct DigestTests {
    static func instant(_ iso: String) -> Instant {
        Instant(milliseconds: Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970 * 1000))
    }

    private func subscribe(_ f: LedgerFixture, _ frequency: DigestFrequency = .daily, weekday: Int? = nil, time: String = "09:00",
                           zone: String = "Europe/Berlin") async throws {
        let sub = try DigestSubscription.validated(enabled: true, frequency: frequency, weekday: weekday, localTime: time, timeZone: zone, email: "ana@example.com")
        _ = try await f.ledger.updateDigestSubscription(org: "acme", user: "ana", sub)
    }

    /// A ledger at 2026-01-05 00:00 UTC with acme's badges on and ana subscribed to the daily
    /// 09:00 Berlin digest.
    private func subscribedLedger(_ store: StoreKind) async throws -> LedgerFixture {
        let f = try LedgerFixture(store: store)
        f.clock.set(Self.instant("2026-01-05T00:00:00Z"))
        try await f.enable()
        try await subscribe(f)
        return f
    }

    private func makeScheduler(_ f: LedgerFixture, _ mail: MailCatcher, timeoutSeconds: Int = 10) -> DigestScheduler {
        DigestScheduler(ledger: f.ledger, mailer: SMTPMailer(relay: mail.relay, from: "badges@example.com", timeoutSeconds: timeoutSeconds), clock: f.clock)
    }

    @Test(arguments: StoreKind.allCases) func dueDigestArrivesOnceWithTheRightBadges(store: StoreKind) async throws {
        let mail = MailCatcher()
        try mail.start()
        let f = try await subscribedLedger(store)
        #expect(try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: "ana", programID: "p1", role: "agent", displayName: "Ana Lima")))
        try await f.record(.profileCompleted)
        try await f.record(.feedbackReceived)
        let scheduler = makeScheduler(f, mail)
        #expect(try await scheduler.tick() == 0, "not due before 09:00 Berlin (08:00Z)")
        f.clock.set(Self.instant("2026-01-05T08:00:30Z"))
        #expect(try await scheduler.tick() == 1)
        #expect(try await scheduler.tick() == 0)
        let messages = mail.messages()
        #expect(messages.count == 1)
        let text = decodedParts(messages.first ?? "")
        #expect(messages.first?.contains("To: <ana@example.com>") == true)
        #expect(text.contains("Hi Ana Lima"))
        #expect(text.contains("All Set Up (Personal): Completed your profile"))
        #expect(text.contains("First Feedback (Feedback): Received your first customer feedback response"))
        #expect(text.contains("<b>All Set Up</b>"), "the HTML part lists the badges too")
    }

    /// smtp:// relays are asked for STARTTLS when they offer it (this one refuses mail
    /// without it), and the Message-ID is a hash that names neither user nor organization.
    @Test func startTLSWhenTheRelayOffersIt() async throws {
        let mail = MailCatcher(requireTLS: true)
        try mail.start()
        let f = try await subscribedLedger(.sqlite)
        try await f.record(.coachingItemSaved)
        let scheduler = DigestScheduler(
            ledger: f.ledger, mailer: SMTPMailer(relay: mail.relay, from: "badges@example.com", trustedCertificates: mail.certificate), clock: f.clock)
        f.clock.set(Self.instant("2026-01-05T08:00:10Z"))
        let sent = try await scheduler.tick()
        let errors = try await f.ledger.outbox().map(\.lastError)
        #expect(sent == 1, "\(errors)")
        let message = try #require(mail.messages().first)
        let id = try #require(message.split(separator: "\n").first { $0.hasPrefix("Message-ID:") })
        #expect(id.trimmingCharacters(in: .whitespacesAndNewlines).wholeMatch(of: /Message-ID: <[0-9a-f]{32}@badges>/) != nil, "\(id)")
    }

    /// With TLS required, a relay that does not offer STARTTLS gets nothing: the digest stays
    /// pending with the reason, to be retried.
    @Test func requiredTLSSendsNothingToARelayWithoutIt() async throws {
        let mail = MailCatcher()
        try mail.start()
        let f = try await subscribedLedger(.sqlite)
        try await f.record(.coachingItemSaved)
        let scheduler = DigestScheduler(
            ledger: f.ledger, mailer: SMTPMailer(relay: mail.relay, from: "badges@example.com", requireTLS: true), clock: f.clock)
        f.clock.set(Self.instant("2026-01-05T08:00:10Z"))
        #expect(try await scheduler.tick() == 0)
        let pending = try #require(try await f.ledger.outbox().first)
        #expect(pending.state == .pending && pending.attempts == 1 && pending.lastError.contains("SMTP delivery"), "\(pending.lastError)")
        #expect(mail.messages().isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func nothingNewMeansNoMail(store: StoreKind) async throws {
        let mail = MailCatcher()
        try mail.start()
        let f = try await subscribedLedger(store)
        let scheduler = makeScheduler(f, mail)
        f.clock.set(Self.instant("2026-01-05T08:01:00Z"))
        #expect(try await scheduler.tick() == 0)
        #expect(mail.messages().isEmpty)
        #expect(try await f.ledger.outbox().map(\.state) == [.empty])
    }

    @Test(arguments: StoreKind.allCases) func relayDownMeansRetryThatSucceedsOnce(store: StoreKind) async throws {
        let mail = MailCatcher()
        let f = try await subscribedLedger(store)
        try await f.record(.coachingItemSaved)
        let scheduler = makeScheduler(f, mail, timeoutSeconds: 2)
        f.clock.set(Self.instant("2026-01-05T08:00:10Z"))
        #expect(try await scheduler.tick() == 0, "the relay is down")
        let failed = try #require(try await f.ledger.outbox().first)
        #expect(failed.state == .pending && failed.attempts == 1 && failed.lastError.contains("SMTP delivery"))
        try mail.start()
        #expect(try await scheduler.tick() == 0, "the backoff has not passed yet")
        f.clock.advance(seconds: 2)
        #expect(try await scheduler.tick() == 1)
        f.clock.advance(seconds: 600)
        #expect(try await scheduler.tick() == 0)
        #expect(mail.messages().count == 1)
    }

    @Test(arguments: StoreKind.allCases) func restartBetweenDueTimeAndSendSendsOnce(store: StoreKind) async throws {
        let mail = MailCatcher()
        try mail.start()
        let f = try await subscribedLedger(store)
        try await f.record(.coachingItemSaved)
        f.clock.set(Self.instant("2026-01-05T08:30:00Z"))
        // Queued (durably) but the process dies before sending.
        #expect(try await f.ledger.queueDueDigests(render: DigestMessage.render).count == 1)
        try f.reopen()
        let scheduler = makeScheduler(f, mail)
        #expect(try await scheduler.tick() == 1)
        try f.reopen()
        let again = makeScheduler(f, mail)
        #expect(try await again.tick() == 0)
        #expect(mail.messages().count == 1)
    }

    @Test(arguments: StoreKind.allCases) func dailyAndWeeklyAcrossDaylightSavingChanges(store: StoreKind) async throws {
        let mail = MailCatcher()
        try mail.start()
        for (frequency, weekday, start, end, expected) in [
            // Daily at 02:30 in New York across the spring change (2026-03-08, 02:30 does not exist).
            (DigestFrequency.daily, nil as Int?, "2026-03-06T12:00:00Z", "2026-03-10T12:00:00Z", ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]),
            // Daily at 01:30 across the autumn change (2026-11-01, 01:30 happens twice).
            (.daily, nil, "2026-10-30T12:00:00Z", "2026-11-03T12:00:00Z", ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]),
            // Weekly on Sundays at 01:30 across the autumn change.
            (.weekly, 7, "2026-10-20T12:00:00Z", "2026-11-10T12:00:00Z", ["2026-W43", "2026-W44", "2026-W45"]),
        ] {
            let f = try LedgerFixture(store: store)
            f.clock.set(Self.instant(start))
            try await f.enable()
            try await subscribe(f, frequency, weekday: weekday, time: frequency == .daily && start.hasPrefix("2026-03") ? "02:30" : "01:30", zone: "America/New_York")
            let scheduler = makeScheduler(f, mail)
            var n = 0
            // Every 10 minutes, something new is earned now and then; the scheduler runs each step.
            while f.clock.now() < Self.instant(end) {
                n += 1
                if n % 30 == 0 { try await f.record(.featureUsed(name: "f\(n)")) }
                try await scheduler.tick()
                f.clock.advance(seconds: 600)
            }
            let periods = try await f.ledger.outbox().map(\.period)
            #expect(periods == expected, "\(frequency) digests: one per period, none skipped or doubled")
            #expect(try await f.ledger.outbox().allSatisfy { $0.state != .pending })
        }
    }

    @Test func dueTimesAcrossDaylightSavingChanges() throws {
        let spring = try DigestSubscription.validated(enabled: true, frequency: .daily, weekday: nil, localTime: "02:30", timeZone: "America/New_York", email: "a@b.co")
        var t = Self.instant("2026-03-07T00:00:00Z")
        var dues: [Instant] = []
        for _ in 0..<3 {
            t = spring.nextDue(after: t)
            dues.append(t)
        }
        #expect(dues == ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"].map(Self.instant))
        let autumn = try DigestSubscription.validated(enabled: true, frequency: .daily, weekday: nil, localTime: "01:30", timeZone: "America/New_York", email: "a@b.co")
        let first = autumn.nextDue(after: Self.instant("2026-10-31T12:00:00Z"))
        #expect(first == Self.instant("2026-11-01T05:30:00Z"), "the first of the two 01:30s")
        #expect(autumn.nextDue(after: first) == Self.instant("2026-11-02T06:30:00Z"), "and not the second")
    }

    @Test func subscriptionsAreValidated() {
        func error(_ f: DigestFrequency?, _ w: Int?, _ time: String, _ zone: String, _ email: String) -> String? {
            do {
                _ = try DigestSubscription.validated(enabled: true, frequency: f, weekday: w, localTime: time, timeZone: zone, email: email)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error(.daily, nil, "09:00", "Mars/Olympus", "a@b.co") == "subscription.time_zone 'Mars/Olympus' is not an IANA time zone (like Europe/Berlin)")
        #expect(error(.daily, nil, "25:00", "UTC", "a@b.co") == "subscription.local_time must be HH:MM between 00:00 and 23:59, not '25:00'")
        #expect(error(.daily, nil, "9:00", "UTC", "a@b.co") == "subscription.local_time must be HH:MM between 00:00 and 23:59, not '9:00'")
        #expect(error(.daily, 3, "09:00", "UTC", "a@b.co") == "subscription.weekday is only for WEEKLY digests; leave it unspecified for DAILY")
        #expect(error(.weekly, nil, "09:00", "UTC", "a@b.co") == "subscription.weekday is required for WEEKLY digests")
        #expect(error(nil, nil, "09:00", "UTC", "a@b.co") == "subscription.frequency must be DAILY or WEEKLY")
        #expect(error(.daily, nil, "09:00", "UTC", "not an address") == "subscription.email 'not an address' is not an e-mail address")
        #expect(error(.daily, nil, "09:00", "UTC", "a@b.co\r\nBcc: x@y.z") == "subscription.email 'a@b.co\r\nBcc: x@y.z' is not an e-mail address")
        #expect(error(.weekly, 1, "23:59", "Asia/Kolkata", "ana@example.com") == nil)
    }
}
