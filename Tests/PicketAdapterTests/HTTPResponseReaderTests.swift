@testable import PicketProbes
import Testing

/// The reader hands the bytes the engine reads to SwiftNIO's response decoder: every framing a server
/// may use, fed in pieces as a socket would deliver them, and what a reader is fit for afterwards.
@Suite struct HTTPResponseReaderTests {
    /// Feeds `pieces` to a reader expecting an answer to `method`; the last progress, and the reader.
    func read(_ pieces: [String], method: String = "GET", keepsBody: Bool = false, reader: HTTPResponseReader = HTTPResponseReader())
        -> (HTTPResponseReader.Progress, HTTPResponseReader)
    {
        reader.expect(method: method, keepsBody: keepsBody)
        var progress = HTTPResponseReader.Progress.needMore
        for piece in pieces {
            progress = Array(piece.utf8).withUnsafeBytes { reader.consume($0) }
        }
        return (progress, reader)
    }

    func complete(_ status: Int, body: String? = nil, reusable: Bool) -> HTTPResponseReader.Progress {
        .complete(HTTPResponseSummary(status: status, body: body, reusable: reusable))
    }

    @Test func readsAContentLengthBodyArrivingAFewBytesAtATime() {
        let response = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 11\r\n\r\nmaintenance"
        let pieces = stride(from: 0, to: response.count, by: 3).map { String(Array(response)[$0..<min($0 + 3, response.count)]) }
        let (progress, reader) = read(pieces, keepsBody: true)
        #expect(progress == complete(503, body: "maintenance", reusable: true))
        #expect(reader.clean, "a keep-alive response that ended where it said leaves the reader fit for the next")
    }

    @Test func needsTheWholeContentLengthBody() {
        let (progress, reader) = read(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"])
        #expect(progress == .needMore)
        #expect(reader.status == 200)
    }

    @Test func readsAChunkedBodyWithExtensionsAndTrailers() {
        let (progress, _) = read(
            ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n", "6;ext=1\r\nsystem\r\n2\r\ns \r\n", "2\r\ngo\r\n0\r\nX-Trailer: 1\r\n\r\n"],
            keepsBody: true)
        #expect(progress == complete(200, body: "all systems go", reusable: true))
    }

    @Test func readsABodyThatEndsWithTheConnection() {
        let (progress, reader) = read(["HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhealthy", " and well"], keepsBody: true)
        #expect(progress == .needMore, "without a length, only the end of the connection ends the body")
        #expect(reader.end() == HTTPResponseSummary(status: 200, body: "healthy and well", reusable: false))
        let (next, _) = read(["HTTP/1.0 204 No Content\r\n\r\n"], reader: reader)
        #expect(next == complete(204, reusable: false), "the slot's next connection is read after an end of input")
    }

    @Test func aBodyCutShortByTheConnectionIsNoResponse() {
        let (_, reader) = read(["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"])
        #expect(reader.end() == nil)
        #expect(reader.status == 200 && reader.received > 0, "the status seen stays evidence")
    }

    @Test func aConnectionClosedBeforeAnyByteIsNoResponse() {
        let (_, reader) = read([])
        #expect(reader.end() == nil && reader.received == 0)
    }

    @Test func expectsNoBodyAfterAHeadRequest() {
        let (progress, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"], method: "HEAD")
        #expect(progress == complete(200, reusable: true), "a HEAD answer announces a body it does not send")
    }

    @Test(arguments: [204, 304])
    func expectsNoBodyAfter(status: Int) {
        let (progress, _) = read(["HTTP/1.1 \(status) Nothing\r\nContent-Length: 12\r\n\r\n"])
        #expect(progress == complete(status, reusable: true))
    }

    @Test func skipsAnInterimResponse() {
        let (progress, _) = read(["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"])
        #expect(progress == complete(204, reusable: true))
    }

    @Test func aSwitchingProtocolsAnswerIsFinalAndLeavesTheConnectionUnusable() {
        let (progress, reader) = read(["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{81}\u{0}"])
        #expect(progress == complete(101, reusable: false), "what follows a 101 is another protocol")
        #expect(!reader.clean)
        let (next, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], reader: reader)
        #expect(next == complete(200, reusable: true), "the next connection's answer is read afresh")
    }

    @Test func anHTTP2PrefaceIsMalformed() {
        let (progress, _) = read(["HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"])
        #expect(progress == .malformed, "only HTTP/1 answers are read")
    }

    @Test func afterConnectionCloseTheNextResponseGetsAFreshDecoder() {
        let (progress, reader) = read(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"])
        #expect(progress == complete(200, reusable: false))
        #expect(!reader.clean, "llhttp takes no more bytes after Connection: close")
        let (next, _) = read(["HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"], reader: reader)
        #expect(next == complete(503, reusable: true), "a fresh connection's answer, read by a fresh decoder")
    }

    @Test func whatIsLeftOfAnUnfinishedResponseDoesNotLeakIntoTheNext() {
        let (_, reader) = read(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe"], keepsBody: true)
        let (next, _) = read(["HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\ndown"], keepsBody: true, reader: reader)
        #expect(next == complete(500, body: "down", reusable: true))
        #expect(reader.clean)
    }

    @Test func anAnswerNobodyAskedForMakesTheConnectionUnusable() {
        let (progress, reader) = read(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
        #expect(progress == complete(200, reusable: false))
        #expect(!reader.clean)
    }

    @Test func readsSeveralResponsesInARowOnOneConnection() {
        let reader = HTTPResponseReader()
        let statuses = [200, 503, 200]
        for status in statuses {
            let (progress, _) = read(["HTTP/1.1 \(status) X\r\nContent-Length: 3\r\n\r\n", "abc"], keepsBody: true, reader: reader)
            #expect(progress == complete(status, body: "abc", reusable: true))
        }
        let (head, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"], method: "HEAD", reader: reader)
        #expect(head == complete(200, reusable: true), "the method of each request reaches the decoder")
        let (get, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", "abc"], keepsBody: true, reader: reader)
        #expect(get == complete(200, body: "abc", reusable: true), "and a GET after a HEAD reads the body again")
    }

    @Test func keepsTheFirst64KiBOfALargeBody() {
        let body = String(repeating: "a", count: 100_000)
        let (progress, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n", body], keepsBody: true)
        #expect(progress == complete(200, body: String(repeating: "a", count: HTTPResponseReader.maxKeptBody), reusable: true))
    }

    @Test func anAnswerThatIsNotHTTPIsMalformed() {
        let (progress, reader) = read(["SSH-2.0-OpenSSH_9.2\r\n\r\n"])
        #expect(progress == .malformed)
        let (next, _) = read(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], reader: reader)
        #expect(next == complete(200, reusable: true), "the decoder's error stays with the answer that caused it")
    }

    @Test func aBadChunkSizeIsMalformed() {
        let (progress, _) = read(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])
        #expect(progress == .malformed)
    }

    @Test func aHeadLargerThan32KiBIsMalformed() {
        let field = "X-Filler: " + String(repeating: "f", count: HTTPResponseReader.maxHead) + "\r\n"
        let (progress, _) = read(["HTTP/1.1 200 OK\r\n", field, "Content-Length: 0\r\n\r\n"])
        #expect(progress == .malformed)
        let (justUnder, _) = read(["HTTP/1.1 200 OK\r\nX-Filler: " + String(repeating: "f", count: 30 * 1024) + "\r\nContent-Length: 0\r\n\r\n"])
        #expect(justUnder == complete(200, reusable: true))
    }
}
