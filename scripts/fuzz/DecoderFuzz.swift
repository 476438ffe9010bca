import BadgeAPI
import Wire
import WireFixtures

/// libFuzzer entry point for the decoder. Any input may be rejected with a
/// `WireDecodingError`, but none may crash, hang or grow memory without bound; and whatever
/// decodes must re-encode to bytes that decode again to the same encoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let options = DecodingOptions(maxMessageSize: 1 << 20, maxDepth: 50)
    checkRoundTrip(Everything.self, bytes, options)
    checkRoundTrip(RecordActivityRequest.self, bytes, options)
    checkRoundTrip(GetAchievementsResponse.self, bytes, options)
    return 0
}

private func checkRoundTrip<M: WireMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer, _ options: DecodingOptions) {
    guard let message = try? M(serializedBytes: bytes, options: options) else { return }
    let encoded = message.serializedBytes()
    do {
        // Compare encodings, not values: a NaN decoded from the input never equals itself.
        let again = try M(serializedBytes: encoded, options: options)
        precondition(again.serializedBytes() == encoded, "re-encoding \(M.self) is not stable")
    } catch {
        preconditionFailure("\(M.self) re-encoded to bytes that do not decode: \(error)")
    }
}
