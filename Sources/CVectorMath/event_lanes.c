// See include/event_lanes.h. The body (event_lanes_body.h) is built once per instruction-set
// level, as the t-statistics and the channel blocks are, and the level is chosen once.
#include "event_lanes.h"
#include "channel_block.h"
#include "lane_types.h"
#include "tstat.h"
#include "tstat_formula.h"
#include <float.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

_Static_assert(CVM_EVENT_LOG == 2 * CVM_EVENT_TILE * CVM_EVENT_LANES + 2 * CVM_EVENT_LANES, "the log's size");

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

typedef _Bool cvm_bv __attribute__((ext_vector_type(16)));
typedef double cvm_d8 __attribute__((ext_vector_type(8)));

// The shuffles of each stage of event_lanes_body.h's 16 × 16 transpose (indices into two rows).
#define CVM_T1_LO 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define CVM_T1_HI 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define CVM_T2_LO 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define CVM_T2_HI 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define CVM_T4_LO 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define CVM_T4_HI 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define CVM_T8_LO 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define CVM_T8_HI 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31

/// Everything a row changes, in registers for the length of a call.
typedef struct {
    cvm_iv busy, fed;
    cvm_peaks shortPeak, longPeak;
    cvm_iv boundary;
    /// Entries in the tile's log.
    long logged;
} cvm_event_state;

// Each lane field of the state: its name in cvm_event_state, then in cvm_event_lanes.
#define CVM_EVENT_FIELDS(X)                                                                          \
    X(busy, busy) X(fed, fed) X(shortPeak.position, shortPosition) X(shortPeak.valid, shortValid)   \
    X(shortPeak.mask, shortMask) X(shortPeak.value, shortValue) X(shortPeak.sum, shortSum)           \
    X(shortPeak.squares, shortSquares) X(longPeak.position, longPosition) X(longPeak.valid, longValid) \
    X(longPeak.mask, longMask) X(longPeak.value, longValue) X(longPeak.sum, longSum)                 \
    X(longPeak.squares, longSquares) X(boundary, boundary)

#define CVM_LEVEL_BODY "event_lanes_body.h"
#include "lane_levels.h"

typedef long (*cvm_event_kernel)(cvm_event_lanes *, long);

static const cvm_event_kernel kernels[] = {
    cvm_run_baseline,
#if defined(__x86_64__)
    cvm_run_avx2,
    cvm_run_avx512,
#endif
};

void cvm_event_lanes_begin(cvm_event_lanes *b, int lane, const int16_t *raw, int32_t n, double offset, double unit,
                           cvm_boundary *out, int32_t room) {
    b->raw[lane] = raw;
    b->n[lane] = n;
    b->offset[lane] = offset;
    b->unit[lane] = unit;
    b->out[lane] = out;
    b->room[lane] = room;
    b->count[lane] = 0;
    b->busy[lane] = -1;
    b->fed[lane] = 0;
    // EventDetector.reset: no peak, nothing masked, the first event starts at 0.
    b->shortPosition[lane] = b->longPosition[lane] = -1;
    b->shortValue[lane] = b->longValue[lane] = FLT_MAX;
    b->shortValid[lane] = b->longValid[lane] = 0;
    b->shortMask[lane] = b->longMask[lane] = 0;
    b->shortSum[lane] = b->shortSquares[lane] = b->longSum[lane] = b->longSquares[lane] = 0;
    b->boundary[lane] = 0;
    // Prefix sum 0 of the read is the row the kernel is at.
    const size_t at = (size_t)(b->frame & (b->ringRows - 1)) * CVM_EVENT_LANES + (size_t)lane;
    b->sums[at] = 0;
    b->squares[at] = 0;
    b->done &= ~(1u << lane);
}

long cvm_event_lanes_run(cvm_event_lanes *block, long rows) { return kernels[cvm_tstat_level()](block, rows); }

long cvm_event_lanes_run_at_level(int level, cvm_event_lanes *block, long rows) {
    int available = cvm_tstat_level_available();
    return kernels[level < CVM_LEVEL_BASELINE || level > available ? available : level](block, rows);
}

void cvm_event_lanes_events(void *log, long count) {
    cvm_boundary *from = log;
    cvm_event *to = log;
    int64_t start = 0;
    double s0 = 0, q0 = 0;
    for (long k = 0; k < count; k++) {
        const cvm_boundary e = from[k];
        // EventDetector.event, in its precision and order.
        const float length = (float)(e.position - start);
        const float mean = (float)(e.sum - s0) / length;
        const float deltaSquares = (float)(e.squares - q0);
        const float variance = deltaSquares / length - mean * mean;
        const float kept = 0.0f >= variance ? 0.0f : variance;   // Swift's max(variance, 0)
        to[k] = (cvm_event){.start = start, .length = e.position - start, .mean = mean, .stdv = __builtin_sqrtf(kept)};
        start = e.position;
        s0 = e.sum;
        q0 = e.squares;
    }
}
