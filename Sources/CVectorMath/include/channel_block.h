// Sixteen nanopore channels processed side by side, one channel per vector lane (PrecisSignal's
// ChannelBank drives it; ChannelProcessor is the one-channel statement it must equal).
//
// A stream packet is rows of channel-interleaved samples, so the sixteen samples of one row are
// next to each other: the kernel takes a row at a time and does, in every lane at once, what
// ChannelProcessor.push does for one sample: pA, the strand / open-pore / no-pore / saturated
// test, the open-pore level, the status-window counts, the read's start, its gap count, its raw
// sample and the prefix sums of the event detector. The detector's t-statistics and both peak
// detectors then take one step in every lane in a read. Lanes are independent, so the peak
// detectors' serial chain (one sample's state from the last) runs sixteen channels per step.
//
// The detector runs `lag + minimumGap` samples behind the read's newest sample. A read ends at
// its last strand sample, but that is known only after `minimumGap` more samples; so far behind,
// no sample the detector has used can turn out to be past the read's end, and no statistic it
// has computed would have been cut short by it. When a read ends, its lane alone steps the rest
// of the way (with the read's length, as the reference's end handling needs), then the read is
// reported. Every lane repeats the reference's scalar operations in its precision and order.
#ifndef PRECIS_CHANNEL_BLOCK_H
#define PRECIS_CHANNEL_BLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Channels in a block (lanes).
#define CVM_BLOCK_LANES 16

/// Channel states, as ChannelState's cases.
enum {
    CVM_STATE_UNKNOWN = 0,
    CVM_STATE_PORE = 1,
    CVM_STATE_STRAND = 2,
    CVM_STATE_NO_PORE = 3,
    CVM_STATE_SATURATED = 4,
    CVM_STATE_OTHER = 5,
};

/// A read that ended and was kept (at least `minimumReadLength` samples); its raw samples are
/// the first `length` of `raw[lane]` until the kernel is called again.
typedef struct {
    int32_t lane;
    /// ReadEndReason's raw value.
    int32_t reason;
    int32_t length;
    int32_t readNumber;
    int32_t events;
    float medianBefore;
    uint64_t start;
} cvm_block_read;

/// One block's parameters and state. The caller sets the parameters, the calibrations, `raw`,
/// `capacity`, `sums` and `squares` (zeroed, `ringRows` × 16 each), and leaves the rest zero
/// except `level` (the expected open-pore level) and the detectors' `shortPosition` and
/// `longPosition` (-1) and values (FLT_MAX).
typedef struct {
    // Parameters, the same for every lane (SegmentationParameters).
    int32_t minimumGap, minimumReadLength, maximumReadLength, stateWindow;
    int32_t window1, window2, lag;
    /// Rows of the prefix-sum ring: a power of two of at least 2 * lag + minimumGap + 4.
    int32_t ringRows;
    float threshold1, threshold2, peakHeight, strandFraction, noPoreBelow, openLow, openHigh;
    /// ADC codes outside these are saturated.
    int32_t railLow, railHigh;
    // Calibration: pA = (raw + offset) * unit.
    double offset[CVM_BLOCK_LANES], unit[CVM_BLOCK_LANES];
    // Segmentation.
    float level[CVM_BLOCK_LANES], medianBefore[CVM_BLOCK_LANES];
    int32_t inRead[CVM_BLOCK_LANES];   // 0 or -1
    int32_t pending[CVM_BLOCK_LANES];  // non-strand samples since the read's last strand sample
    int32_t length[CVM_BLOCK_LANES];   // samples in raw[lane], the pending ones included
    int32_t capacity[CVM_BLOCK_LANES];
    uint64_t start[CVM_BLOCK_LANES];
    // The event detector of each lane's read in progress.
    int32_t shortPosition[CVM_BLOCK_LANES], shortValid[CVM_BLOCK_LANES], shortMask[CVM_BLOCK_LANES];
    int32_t longPosition[CVM_BLOCK_LANES], longValid[CVM_BLOCK_LANES], longMask[CVM_BLOCK_LANES];
    float shortValue[CVM_BLOCK_LANES], longValue[CVM_BLOCK_LANES];
    int32_t boundary[CVM_BLOCK_LANES], events[CVM_BLOCK_LANES];
    // The status window.
    int32_t strand[CVM_BLOCK_LANES], open[CVM_BLOCK_LANES], noPore[CVM_BLOCK_LANES];
    int32_t saturated[CVM_BLOCK_LANES], other[CVM_BLOCK_LANES], state[CVM_BLOCK_LANES];
    int32_t windowTotal;
    // Totals.
    int64_t reads[CVM_BLOCK_LANES], blips[CVM_BLOCK_LANES], eventTotal[CVM_BLOCK_LANES];
    int64_t readSamples[CVM_BLOCK_LANES];
    /// Samples per channel, lost ones included (the stream's sample index).
    uint64_t samples;
    /// Rows processed (the ring's clock; lost samples do not count).
    int64_t frame;
    int16_t *raw[CVM_BLOCK_LANES];
    double *sums, *squares;
    // Out: what the last call left for the caller.
    /// Some lane's read needs more room than `capacity` (the call stopped before that row).
    int32_t needsRoom;
    /// Reads kept in the last row processed.
    int32_t ended;
    cvm_block_read endedReads[CVM_BLOCK_LANES];
} cvm_block;

/// Processes up to `count` rows of 16 host-order int16 samples (any alignment), `stride` samples
/// apart; returns the rows taken. It stops early after a row that ended kept reads (`ended` > 0:
/// take their samples before calling again) or before a row that needs more room (`needsRoom`).
long cvm_block_run(cvm_block *block, const void *rows, long stride, long count);

/// Ends every read in progress with `reason` (lost samples, or the run stopped); kept reads are
/// left in `ended`/`endedReads`.
void cvm_block_end_reads(cvm_block *block, int32_t reason);

/// The two at a given level (see tstat.h; the widest available if this CPU lacks it), for the
/// tests that check every level.
long cvm_block_run_at_level(int level, cvm_block *block, const void *rows, long stride, long count);
void cvm_block_end_reads_at_level(int level, cvm_block *block, int32_t reason);

#ifdef __cplusplus
}
#endif

#endif
