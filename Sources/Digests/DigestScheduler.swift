import Badges
import BadgeStore
import Foundation

/// Queues each due digest once (the ledger's outbox, durable) and sends pending ones through
/// the relay, retrying failures with exponential backoff. Run `tick()` periodically; badged
/// does it every second.
public final class DigestScheduler: Sendable {
    let ledger: BadgeLedger
    let mailer: SMTPMailer
    let clock: any BadgeClock

    public init(ledger: BadgeLedger, mailer: SMTPMailer, clock: any BadgeClock) {
        self.ledger = ledger
        self.mailer = mailer
        self.clock = clock
    }

    /// Seconds before retry after `attempts` failures: 1, 2, 4, ... up to five minutes.
    public static func backoff(afterAttempts attempts: Int) -> Int64 {
        min(Int64(1) << min(attempts, 9), 300)
    }

    /// One round: queue what is due, then try to send what is pending. Returns how many were sent.
    @discardableResult
    public func tick() async throws -> Int {
        let pending = try await ledger.queueDueDigests(render: DigestMessage.render)
        var sent = 0
        for entry in pending {
            let message = DigestMessage.mime(
                from: mailer.from, to: entry.recipient, subject: entry.subject, text: entry.text, html: entry.html,
                date: Date(timeIntervalSince1970: Double(entry.dueAt.milliseconds) / 1000),
                id: DigestMessage.id(org: entry.org, user: entry.user, period: entry.period))
            let error = await send(message, to: entry.recipient)
            let retryAt = clock.now().adding(seconds: Self.backoff(afterAttempts: entry.attempts))
            try await ledger.recordDigestAttempt(entry, error: error, retryAt: retryAt)
            if error == nil { sent += 1 }
        }
        return sent
    }

    /// Sends on a thread of its own: libcurl blocks, and must block neither an event loop nor
    /// Swift's small pool of cooperative threads.
    private func send(_ message: String, to recipient: String) async -> String? {
        let mailer = self.mailer
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            Thread.detachNewThread {
                do {
                    try mailer.send(message, to: recipient)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: "\(error)")
                }
            }
        }
    }
}
