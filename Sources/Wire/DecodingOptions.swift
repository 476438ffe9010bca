/// Limits the decoder enforces on untrusted input.
public struct DecodingOptions: Sendable {
    /// Inputs larger than this are refused before any field is read.
    public var maxMessageSize: Int
    /// How deep messages may nest inside one another.
    public var maxDepth: Int

    public init(maxMessageSize: Int = 64 << 20, maxDepth: Int = 100) {
        self.maxMessageSize = maxMessageSize
        self.maxDepth = maxDepth
    }

    public static let defaults = DecodingOptions()
}
