/// A QC material lot: the control levels with the target mean and SD the lab established
/// (`Calibration/qc/<lot>.json`, schema `precis.qc/1`).
public struct QCMaterial: Sendable, Codable, Equatable {
    /// One control level.
    public struct Level: Sendable, Codable, Equatable {
        /// The level's number.
        public var level: Int
        /// Its name: `low`, `high`.
        public var name: String
        /// Target mean.
        public var mean: Double
        /// Target standard deviation.
        public var sd: Double
    }

    /// `precis.qc/1`.
    public var schema: String
    /// The material's name.
    public var material: String
    /// The material lot.
    public var lot: String
    /// The assay it controls.
    public var assay: String
    /// The last day it may be used.
    public var expiry: CalendarDate
    /// The unit of the targets.
    public var unit: String
    /// The levels.
    public var levels: [Level]
}
