import CPicketMalloc
import Logging

/// Gives back what start-up left resident, once the first round's apply is done.
///
/// Start-up runs code the steady state never runs again (YAML and config decoding, the first render,
/// the scan of nginx's config, the database's migrations), and each page of it that ran stays mapped,
/// with its 64 KiB neighbourhood (the kernel's fault-around): at 5,000 backends 40 MiB of Picket's RSS
/// was file-backed code, of which 7 MiB was used in 10 s of steady state. The clean code pages are dropped
/// from Picket's page tables; those still used come back from the page cache on their next use. Free
/// heap pages go back too.
enum StartupMemory {
    static func release(logger: Logger) {
        let released = picket_release_startup_pages()
        guard released.resident_before_kib >= 0, released.resident_after_kib >= 0 else { return }
        logger.info(
            "resident memory after start-up: \(released.resident_before_kib / 1024) MiB, \(released.resident_after_kib / 1024) MiB once the start-up code and free heap are given back (code pages in use come back as they run)",
            metadata: [
                "event": "startup_memory_released", "resident_before_kib": .stringConvertible(released.resident_before_kib),
                "resident_after_kib": .stringConvertible(released.resident_after_kib), "code_mappings": .stringConvertible(released.code_mappings),
            ])
    }
}
