import Wire

extension WireMessage {
    /// Decodes a message that arrived in a call, turning a malformed encoding into the status
    /// gRPC prescribes for an unparseable message (INTERNAL) with the decoder's reason.
    public init(rpcPayload bytes: [UInt8], what: String) throws(RPCError) {
        do {
            try self.init(serializedBytes: bytes)
        } catch let error as WireDecodingError {
            throw RPCError(code: .internal, message: "could not decode \(what): \(error)")
        } catch {
            throw RPCError(code: .internal, message: "could not decode \(what)")
        }
    }

    /// Decodes a request and checks the limits its schema sets: a field out of bounds is
    /// INVALID_ARGUMENT naming the field, before any handler sees the request.
    public init(rpcRequest bytes: [UInt8], what: String) throws(RPCError) {
        try self.init(rpcPayload: bytes, what: what)
        do {
            try checkLimits()
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
    }
}
