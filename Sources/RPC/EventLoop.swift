import CLinux
import Glibc
import Synchronization

/// Something an event loop tells when its file descriptor is ready.
protocol EventHandler: AnyObject {
    func handleEvent(readable: Bool, writable: Bool, hangup: Bool)
}

/// Something that wants one call at the end of the loop iteration in which it changed, so
/// that many completions on one connection leave in one write.
protocol FlushTarget: AnyObject {
    func flush()
}

/// One thread running epoll. Everything registered with a loop is touched only on its thread;
/// other threads hand work over with `execute`, which wakes the loop through an eventfd.
public final class EventLoop: @unchecked Sendable {
    // Set once before the thread starts; read-only afterwards.
    private let epollFD: Int32
    private let wakeFD: Int32
    let name: String

    // Cross-thread state.
    private let inbox = Mutex<[@Sendable () -> Void]>([])
    /// Tasks resumed from other threads (a commit finishing): kept apart from `inbox` so that
    /// each costs an array append under the lock, not a closure allocation and a second hop.
    private let remoteJobs = Mutex<[UnownedJob]>([])
    private let wakePending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)

    // Loop-thread state (see the class comment).
    private var handlers: [Int32: EventHandler] = [:]
    private var timers = TimerHeap()
    private var flushTargets: [ObjectIdentifier: FlushTarget] = [:]
    /// Swift tasks that prefer this loop as their executor (see `enqueue`), ready to run.
    private var readyJobs: [UnownedJob] = []
    /// Handlers that stopped reading at their budget, to be given another turn next iteration.
    private var resumed: [EventHandler] = []
    /// Where this loop's connections read socket bytes into, one read at a time.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 << 10, alignment: 16)

    init(name: String) {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
    }

    /// Starts the loop on a thread of its own.
    func start() {
        let thread = LoopThread(loop: self)
        thread.start()
    }

    var inLoop: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Runs `work` on the loop thread, soon.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.append(work) }
        wake()
    }

    /// Asks the loop to finish its current iteration and return.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        execute {}
    }

    // MARK: - Loop-thread API

    func register(_ fd: Int32, _ handler: EventHandler, writable: Bool = false) {
        handlers[fd] = handler
        var event = epoll_event()
        event.events = interest(writable: writable)
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    func setWritableInterest(_ fd: Int32, _ writable: Bool) {
        var event = epoll_event()
        event.events = interest(writable: writable)
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    func unregister(_ fd: Int32) {
        handlers[fd] = nil
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
    }

    private func interest(writable: Bool) -> UInt32 {
        EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writable ? EPOLLOUT.rawValue : 0)
    }

    /// Calls `body` on this loop after `delay`, unless cancelled first.
    @discardableResult
    func schedule(after delay: Duration, _ body: @escaping () -> Void) -> TimerHeap.ID {
        timers.schedule(at: Clock.now() &+ Clock.nanoseconds(delay), body)
    }

    /// Calls `body` on this loop at `due` (monotonic nanoseconds, `Clock`), unless cancelled first.
    func schedule(at due: UInt64, _ body: @escaping () -> Void) -> TimerHeap.ID {
        timers.schedule(at: due, body)
    }

    func cancel(_ timer: TimerHeap.ID) {
        timers.cancel(timer)
    }

    func needsFlush(_ target: FlushTarget) {
        flushTargets[ObjectIdentifier(target)] = target
    }

    /// Gives `handler` another read turn in the next iteration, after the others ready then.
    func resumeSoon(_ handler: EventHandler) {
        resumed.append(handler)
    }

    // MARK: - Running

    fileprivate func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while !stopRequested.load(ordering: .acquiring) {
            let timeout = readyJobs.isEmpty && resumed.isEmpty ? timers.millisecondsUntilNext(now: Clock.now()) : 0
            let count = events.withUnsafeMutableBufferPointer {
                epoll_wait(epollFD, $0.baseAddress, Int32($0.count), timeout)
            }
            if count > 0 {
                for i in 0..<Int(count) {
                    let event = events[i]
                    let fd = event.data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                        continue
                    }
                    guard let handler = handlers[fd] else { continue }
                    let flags = event.events
                    handler.handleEvent(
                        readable: flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
                        writable: flags & EPOLLOUT.rawValue != 0,
                        hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0)
                }
            }
            if !resumed.isEmpty {
                let turn = resumed
                resumed.removeAll(keepingCapacity: true)
                for handler in turn { handler.handleEvent(readable: true, writable: false, hangup: false) }
            }
            runInbox()
            runReadyJobs()
            for body in timers.popDue(now: Clock.now()) { body() }
            flushAll()
        }
        runInbox()
    }

    private func runReadyJobs() {
        // Jobs a job enqueues run in the next iteration, so I/O is not starved.
        var jobs = readyJobs
        readyJobs = []
        for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        jobs.removeAll()
    }

    private func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    private func runInbox() {
        wakePending.store(false, ordering: .releasing)
        readyJobs += remoteJobs.withLock { jobs -> [UnownedJob] in
            let taken = jobs
            jobs.removeAll(keepingCapacity: true)
            return taken
        }
        let work = inbox.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for w in work { w() }
    }

    private func flushAll() {
        while !flushTargets.isEmpty {
            let targets = flushTargets
            flushTargets.removeAll(keepingCapacity: true)
            for (_, target) in targets { target.flush() }
        }
    }
}

/// An event loop runs the Swift tasks that prefer it (`Task(executorPreference: loop)`) on its
/// own thread: a call's handler starts where its request arrived and, unless it awaits work
/// elsewhere, finishes there, with no hop between threads.
extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inLoop {
            readyJobs.append(job)
        } else {
            remoteJobs.withLock { $0.append(job) }
            wake()
        }
    }
}

/// The thread an event loop runs on.
private final class LoopThread: @unchecked Sendable {
    let loop: EventLoop
    init(loop: EventLoop) { self.loop = loop }

    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let this = Unmanaged<LoopThread>.fromOpaque(raw!).takeRetainedValue()
            CLinux_name_this_thread(this.loop.name)
            this.loop.run()
            return nil
        }, context)
        pthread_detach(thread)
    }
}

/// Monotonic time in nanoseconds, for timers.
enum Clock {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
