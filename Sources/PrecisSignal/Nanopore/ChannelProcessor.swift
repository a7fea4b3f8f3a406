import PrecisCore

/// What one pore channel is doing, from the samples of its last status window.
public enum ChannelState: String, Sendable, Codable, CaseIterable {
    /// Not enough samples yet.
    case unknown
    /// An open pore waiting for a strand.
    case pore
    /// A strand in the pore: a read in progress.
    case strand
    /// No pore: the current sits near zero.
    case noPore = "no-pore"
    /// The ADC sits at a rail.
    case saturated
    /// None of these (current above the open-pore band, or a mix).
    case other
}

/// Why a read ended (written as the SLOW5 `end_reason`).
public enum ReadEndReason: UInt8, Sendable, Codable, CaseIterable {
    /// Not known.
    case unknown = 0
    /// The pore opened again: the strand left (the normal end).
    case signalPositive = 1
    /// Samples were lost in transfer: the read is cut at the gap.
    case deviceDataError = 2
    /// The run was stopped during the read.
    case apiRequest = 3
    /// The read reached the longest read kept and was cut.
    case partial = 4

    /// The labels of the SLOW5 `end_reason` enum, in value order.
    public static let labels = ["unknown", "signal_positive", "device_data_error", "api_request", "partial"]
}

/// Parameters of read segmentation and channel state, in pA and samples.
public struct SegmentationParameters: Sendable, Equatable, Codable {
    /// Where open-pore current is looked for.
    public var openPoreRange: ClosedRange<Float> = 150...350
    /// The open-pore level assumed until the channel has shown its own.
    public var expectedOpenPore: Float = 220
    /// A sample below this fraction of the channel's open-pore level (and above `noPoreBelow`) is strand.
    public var strandFraction: Float = 0.85
    /// |current| below this is no pore.
    public var noPoreBelow: Float = 15
    /// Consecutive non-strand samples that end a read.
    public var minimumGap = 20
    /// Reads shorter than this are blips, not kept.
    public var minimumReadLength = 200
    /// Reads are cut at this length (`partial`), bounding memory.
    public var maximumReadLength = 4_000_000
    /// Samples per channel-state update.
    public var stateWindow = 1000
    /// The event detector's parameters.
    public var events = EventDetector.Parameters.r94DNA
    /// Makes the defaults (R9.4-like pores at 180 mV).
    public init() {}

    /// Nil when usable, otherwise why not.
    public var problem: String? {
        if let p = events.problem { return p }
        if !(0.1...0.99).contains(strandFraction) { return "strand fraction must be 0.1…0.99" }
        if minimumGap < 1 || minimumReadLength < 1 || maximumReadLength < minimumReadLength || stateWindow < 1 {
            return "gap, read lengths and state window must be positive, and the longest read at least the shortest"
        }
        if minimumGap > 100_000 || maximumReadLength > 1 << 30 || stateWindow > 1 << 30 {
            return "the gap must be at most 100,000 samples, the longest read and the state window at most 2^30"
        }
        return nil
    }
}

/// A read found on a channel: its raw samples and what was learnt about it.
public struct SegmentedRead: Sendable {
    /// The channel (1-based, as in ONT's `channel_number`).
    public var channel: Int
    /// The read's number on its channel, from 1.
    public var readNumber: Int
    /// Index of its first sample in the channel's stream.
    public var startSample: UInt64
    /// Raw ADC samples.
    public var raw: [Int16]
    /// The channel's open-pore level when the read began (ONT's `median_before`).
    public var medianBefore: Float
    /// Events the detector found in it.
    public var eventCount: Int
    /// Why it ended.
    public var endReason: ReadEndReason
}
