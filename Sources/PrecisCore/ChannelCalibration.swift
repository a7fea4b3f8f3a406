/// One channel's calibration from raw ADC codes to current, as a sequencer reports it
/// (nps protocol.md §4) and as SLOW5 stores it per read: `(raw + offset) × range / digitisation` pA.
public struct ChannelCalibration: Sendable, Equatable, Codable {
    /// ADC levels per `range`.
    public var digitisation: Double
    /// Added to raw before scaling.
    public var offset: Double
    /// pA spanned by `digitisation` levels.
    public var range: Double

    /// Makes a calibration.
    public init(digitisation: Double, offset: Double, range: Double) {
        self.digitisation = digitisation
        self.offset = offset
        self.range = range
    }

    /// pA per ADC level: `range / digitisation`.
    @inlinable
    public var unit: Double { range / digitisation }

    /// pA of one raw sample as slow5lib converts it: `(raw + offset) × (range / digitisation)` in
    /// double precision, rounded to single.
    @inlinable
    public func picoamperes(_ raw: Int16) -> Float { Float((Double(raw) + offset) * unit) }

    /// The ADC code nearest to `pA`, clamped to int16: how simulators turn a current into raw signal.
    @inlinable
    public func raw(picoamperes pA: Double) -> Int16 { Int16(clamping: Int((pA / unit - offset).rounded())) }
}
