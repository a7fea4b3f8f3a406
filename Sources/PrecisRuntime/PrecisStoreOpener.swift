import PrecisStore

/// Opens a store for checks that must not keep it.
enum PrecisStoreOpener {
    static func open(_ path: String) throws -> Store { try Store(path: path) }
}
