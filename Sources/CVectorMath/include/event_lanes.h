// The event detector over whole reads, sixteen reads side by side, one read per vector lane
// (PrecisSignal's EventLanes drives it; EventDetector is the one-read statement it must equal).
//
// Offline, a read is a channel that starts at sample 0 and whose length is known. Each lane is
// given a read (its raw int16 samples and calibration); the kernel converts a row of sixteen
// samples to pA, adds them to the lanes' prefix sums (a ring of rows, as channel_block.h keeps),
// and steps both peak detectors `lag` samples behind, in every lane at once, logging where each
// lane's events end (and the prefix sums there) in that lane's own output; the events' means and
// deviations are worked out from the log once the read is done. A lane whose read is done
// (its detector has passed the last sample and the last event is written) waits for the caller
// to give it the next read; the rows of that read start at the ring row the kernel is at.
// Every lane repeats EventDetector's scalar operations in its precision and order.
#ifndef PRECIS_EVENT_LANES_H
#define PRECIS_EVENT_LANES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Reads in a block of the offline detector (lanes).
#define CVM_EVENT_LANES 16
/// Rows of raw samples copied per lane before they are processed together.
#define CVM_EVENT_TILE 64
/// Entries of the log of boundaries found in a tile (two a row and a lane, the last ones, and
/// room for a vector written past the last: 2 × CVM_EVENT_TILE × 16 + 2 × 16).
#define CVM_EVENT_LOG 2080

/// One event, as EventDetector emits it (NanoporeEvent's layout).
typedef struct {
    int64_t start, length;
    float mean, stdv;
} cvm_event;

/// Where an event ends (the next one's start) and the prefix sums there: what the kernel logs
/// per event; `cvm_event_lanes_events` turns a read's log into its events, in place.
typedef struct {
    double sum, squares;
    int64_t position;
} cvm_boundary;

/// One block's parameters and state. The caller sets the parameters, `sums`/`squares` (`ringRows`
/// × 16 doubles each) and the log (CVM_EVENT_LOG entries each), zeroes the rest, and gives lanes
/// reads with `cvm_event_lanes_begin`.
typedef struct {
    // Parameters (EventDetector.Parameters).
    int32_t window1, window2, lag;
    /// Rows of the prefix-sum ring: a power of two of at least 2 * lag + 4.
    int32_t ringRows;
    float threshold1, threshold2, peakHeight;
    // Each lane's read: raw samples, their count, pA = (raw + offset) * unit.
    const int16_t *raw[CVM_EVENT_LANES];
    int32_t n[CVM_EVENT_LANES];
    double offset[CVM_EVENT_LANES], unit[CVM_EVENT_LANES];
    /// -1 while a lane holds a read whose events are not all out, else 0.
    int32_t busy[CVM_EVENT_LANES];
    /// Samples of the read pushed so far (past `n`, padding that no statistic uses).
    int32_t fed[CVM_EVENT_LANES];
    // Each lane's event boundaries: logged at out[lane][0..<count[lane]]; room for `room[lane]`.
    cvm_boundary *out[CVM_EVENT_LANES];
    int32_t count[CVM_EVENT_LANES], room[CVM_EVENT_LANES];
    // The detectors (scrappie's Detector), and each peak's prefix sums (Σx, Σx²).
    int32_t shortPosition[CVM_EVENT_LANES], shortValid[CVM_EVENT_LANES], shortMask[CVM_EVENT_LANES];
    int32_t longPosition[CVM_EVENT_LANES], longValid[CVM_EVENT_LANES], longMask[CVM_EVENT_LANES];
    float shortValue[CVM_EVENT_LANES], longValue[CVM_EVENT_LANES];
    double shortSum[CVM_EVENT_LANES], shortSquares[CVM_EVENT_LANES];
    double longSum[CVM_EVENT_LANES], longSquares[CVM_EVENT_LANES];
    /// The last boundary (the start of the event in progress).
    int32_t boundary[CVM_EVENT_LANES];
    /// Rows processed (the ring's clock).
    int64_t frame;
    double *sums, *squares;
    /// The tile's boundaries before they go to the lanes' outputs: CVM_EVENT_LOG of each.
    int32_t *logLane, *logPosition;
    double *logSum, *logSquares;
    // Out: why the last call stopped.
    /// Bit `lane` set: that lane's read is done (all its events are out); give it the next.
    uint32_t done;
    /// Some busy lane has room for fewer than 2 more events (the call stopped before a row).
    int32_t needsRoom;
} cvm_event_lanes;

/// Gives lane `lane` a read of `n` (≥ 1) raw samples, readable (with any values) up to
/// n + lag + CVM_EVENT_TILE; its boundaries go to `out` (room for `room`).
void cvm_event_lanes_begin(cvm_event_lanes *block, int lane, const int16_t *raw, int32_t n, double offset,
                           double unit, cvm_boundary *out, int32_t room);

/// A done read's log of `count` boundaries at `log` turned into its `count` events, in place
/// (cvm_boundary and cvm_event are the same size).
void cvm_event_lanes_events(void *log, long count);

/// Processes up to `rows` rows; returns the rows taken. It stops at the end of a tile in which
/// some lane's read was done (`done`), or before a tile if a lane lacks room (`needsRoom`), or
/// when no lane is busy.
long cvm_event_lanes_run(cvm_event_lanes *block, long rows);

/// The same at a given level (see tstat.h), for the tests that check every level.
long cvm_event_lanes_run_at_level(int level, cvm_event_lanes *block, long rows);

#ifdef __cplusplus
}
#endif

#endif
