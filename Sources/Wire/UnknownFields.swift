/// Fields a decoder did not recognise, kept as their raw bytes (tags included) so that
/// re-encoding a message written by a newer schema loses nothing.
public struct UnknownFields: Sendable, Hashable {
    public internal(set) var bytes: [UInt8]

    public init() { bytes = [] }

    public var isEmpty: Bool { bytes.isEmpty }

    @usableFromInline
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }
}
