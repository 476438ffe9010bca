import RPC
import Testing

@Suite("Hashable bytes")
struct HashableBytesTests {
    @Test("equal exactly when the bytes are, and usable as a dictionary key")
    func equalityAndLookup() {
        let token = Array("Bearer v1.eyJvcmciOiJhY21lIn0.c2lnbmF0dXJl".utf8)
        var changedLast = token
        changedLast[changedLast.count - 1] ^= 1
        #expect(HashableBytes(token) == HashableBytes(Array(token)))
        #expect(HashableBytes(token) != HashableBytes(changedLast))
        #expect(HashableBytes(token) != HashableBytes(Array(token.dropLast())))
        #expect(HashableBytes([]) == HashableBytes([]))
        #expect(HashableBytes([]) != HashableBytes([0]))
        let table = [HashableBytes(token): "acme", HashableBytes(changedLast): "other"]
        #expect(table[HashableBytes(Array(token))] == "acme")
        #expect(table[HashableBytes(changedLast)] == "other")
    }
}
