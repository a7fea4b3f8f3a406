import GRDB

extension Store {
    /// How many writes the store has taken to the tables the kiosk's views are made from
    /// (migration v13's `store_changes`): equal at two moments means those views are equal. One
    /// single-row read, so a view can be kept and given again until the count moves.
    public func changeCount() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT count FROM store_changes WHERE id = 1") ?? 0 }
    }
}
