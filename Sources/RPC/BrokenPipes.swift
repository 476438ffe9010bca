import Glibc

/// SIGPIPE, which a write to a connection the peer closed raises, ends the process by
/// default. Our own sends pass MSG_NOSIGNAL, but OpenSSL writes to the socket itself
/// (SSL_write, SSL_shutdown), so the signal is ignored for the whole process instead: a
/// client that hangs up mid-handshake must not stop the server.
public enum BrokenPipes {
    public static func ignore() {
        signal(SIGPIPE, SIG_IGN)
    }
}
