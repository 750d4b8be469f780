/// An immutable value held by reference, equal to another by value.
///
/// An app's check, circuit and passive settings are the same for every one of its backends, and the check
/// rides on every probe request. Stored inline they cost each backend record ~580 bytes (a dictionary
/// bucket of 1.4 KiB at 5,000 backends, most of it these copies) and each request a retain per string and
/// array inside. Held once, a copy is a pointer.
public final class Shared<Value: Hashable & Sendable>: Hashable, Sendable {
    public let value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public static func == (lhs: Shared, rhs: Shared) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}
