import Glibc

/// Writes a new secret file, mode 0600, failing if one is already there (O_EXCL): two servers
/// starting at once, or a file that appeared meanwhile, must not lose a key to an overwrite.
enum KeyFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func create(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot create token key file '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw Failure(description: "cannot write token key file '\(path)': \(reason)")
        }
    }
}
