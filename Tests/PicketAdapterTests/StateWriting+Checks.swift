import PicketCore
import PicketStore

extension StateWriting {
    /// A check of the backend named by its app's and address's text, numbered by this writer.
    func check(at: Double, app: String, address: String, passed: Bool, failureClass: FailureClass?, latencyMs: Double?, status: Int?) -> CheckRow {
        let backend = BackendID(app: try! AppName(validating: app), address: try! ServerAddress(validating: address))
        return CheckRow(at: at, backend: number(backend), passed: passed, failureClass: failureClass, latencyMs: latencyMs, status: status)
    }
}
