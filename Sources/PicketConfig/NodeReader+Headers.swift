import PicketCore
import Yams

extension NodeReader {
    /// A mapping of HTTP header names to values (a health check's request, a webhook's), each name a
    /// header token and no value able to start another header line.
    func headers(_ node: Node, _ path: String) -> [HeaderField] {
        guard let mapping = node.mapping else {
            report(node, path, "expected a mapping of header names to values")
            return []
        }
        return mapping.compactMap { pair in
            guard let name = string(pair.key, path), let value = string(pair.value, join(path, name), nonEmpty: false) else { return nil }
            guard name.unicodeScalars.allSatisfy({ $0.isHeaderTokenCharacter }) else {
                report(pair.key, join(path, name), "is not a valid header name")
                return nil
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                report(pair.value, join(path, name), "a header value may not hold line breaks")
                return nil
            }
            return HeaderField(name: name, value: value)
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isHeaderTokenCharacter: Bool {
        guard isASCII, value > 32, value < 127 else { return false }
        return !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains(self)
    }
}
