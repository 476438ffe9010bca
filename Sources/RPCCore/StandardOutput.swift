#if canImport(Glibc)
import Glibc
#endif

/// Lines to standard output without buffering, so that a parent process reading a pipe (a
/// test waiting for "listening on ...") sees each line at once.
public enum StandardOutput {
    public static func line(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}
