// The body of the channel-block kernel (channel_block.c includes it once per level, with
// CVM_SUFFIX naming the level and CVM_TARGET its target attribute). Each step below is a line of
// ChannelProcessor.push or EventDetector, done in sixteen lanes; the Swift names are in comments.

#define CVM_CAT2(a, b) a##_##b
#define CVM_CAT(a, b) CVM_CAT2(a, b)
#define CVM_FN(name) CVM_CAT(name, CVM_SUFFIX)
#define CVM_INLINE CVM_TARGET static inline __attribute__((always_inline))

#include "lane_helpers.h"

/// Both detectors' step at sample `i` in the lanes of `active` (EventDetector.advance's loop body):
/// the short one, its mask on the long one, then the long one; a boundary past the last one
/// counts an event.
CVM_INLINE void CVM_FN(step)(const cvm_block *b, cvm_lanes *s, cvm_iv active, cvm_iv i, cvm_fv t1, cvm_fv t2) {
    cvm_iv masks;
    cvm_peaks *p = &s->shortPeak, *q = &s->longPeak;
    cvm_iv fired = CVM_FN(detect)(p, active & (p->mask < i), i, t1, b->peakHeight, b->threshold1, b->window1, &masks, 0, (cvm_dv)0.0, (cvm_dv)0.0);
    q->mask = CVM_FN(isel)(masks, p->position + b->window1, q->mask);
    q->position = CVM_FN(isel)(masks, (cvm_iv)-1, q->position);
    q->value = CVM_FN(fsel)(masks, (cvm_fv)FLT_MAX, q->value);
    q->valid &= ~masks;
    cvm_iv counted = fired & (p->position > s->boundary);
    s->events -= counted;
    s->boundary = CVM_FN(isel)(counted, p->position, s->boundary);
    p->position = CVM_FN(isel)(fired, (cvm_iv)-1, p->position);
    p->value = CVM_FN(fsel)(fired, t1, p->value);
    p->valid &= ~fired;

    fired = CVM_FN(detect)(q, active & (q->mask < i), i, t2, b->peakHeight, b->threshold2, b->window2, &masks, 0, (cvm_dv)0.0, (cvm_dv)0.0);
    counted = fired & (q->position > s->boundary);
    s->events -= counted;
    s->boundary = CVM_FN(isel)(counted, q->position, s->boundary);
    q->position = CVM_FN(isel)(fired, (cvm_iv)-1, q->position);
    q->value = CVM_FN(fsel)(fired, t2, q->value);
    q->valid &= ~fired;
}

/// A statistic the reference leaves at 0 (EventDetector.valid): near the read's start, windows
/// under 2, and, once the read's length `n` is known (n > 0), near its end or in a read shorter
/// than two windows.
CVM_INLINE cvm_fv CVM_FN(keep)(cvm_fv t, cvm_iv i, int32_t window, int32_t n) {
    cvm_iv out = (i < window) | (cvm_iv)(window < 2 ? -1 : 0);
    if (n > 0) out |= (i > n - window) | (cvm_iv)(n < 2 * window ? -1 : 0);
    return CVM_FN(fsel)(out, (cvm_fv)0.0f, t);
}

/// Ends lane `lane`'s read (ChannelProcessor.endRead); `last` is the ring row of its newest
/// sample. The pending samples are not part of it. A kept read's detector steps through the
/// samples it has not reached, with the read's length known (EventDetector.finish), in this lane
/// alone, and the read is left in `endedReads`.
CVM_TARGET static void CVM_FN(end)(cvm_block *b, cvm_lanes *s, int lane, int32_t reason, int64_t last) {
    const int32_t length = s->length[lane], n = length - s->pending[lane];
    const long rows = b->ringRows;
    s->inRead[lane] = 0;
    if (n < b->minimumReadLength) {
        b->blips[lane] += 1;
    } else {
        int32_t next = length - b->lag - b->minimumGap + 1;
        if (next < 0) next = 0;
        const int64_t origin = last + 1 - length;   // the ring row of prefix sum 0
        cvm_iv only = (cvm_iv)lane == (cvm_iv){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int32_t j = next; j < n; j++) {
            cvm_fv t[2];
            for (int k = 0; k < 2; k++) {
                const int32_t w = k == 0 ? b->window1 : b->window2;
                const double *sums = b->sums, *squares = b->squares;
                cvm_dv here = (cvm_dv)sums[((origin + j) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                cvm_dv hereSq = (cvm_dv)squares[((origin + j) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                cvm_dv before = (cvm_dv)sums[((origin + j - w) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                cvm_dv beforeSq = (cvm_dv)squares[((origin + j - w) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                cvm_dv after = (cvm_dv)sums[((origin + j + w) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                cvm_dv afterSq = (cvm_dv)squares[((origin + j + w) & (rows - 1)) * CVM_BLOCK_LANES + lane];
                t[k] = CVM_FN(keep)(CVM_FN(tstat)(here, hereSq, before, beforeSq, after, afterSq, w), (cvm_iv)j, w, n);
            }
            CVM_FN(step)(b, s, only, (cvm_iv)j, t[0], t[1]);
        }
        s->events[lane] += 1;   // the last event, from the last boundary to the end
        b->reads[lane] += 1;
        b->eventTotal[lane] += s->events[lane];
        b->readSamples[lane] += n;
        b->endedReads[b->ended++] = (cvm_block_read){
            .lane = lane, .reason = reason, .length = n, .readNumber = (int32_t)b->reads[lane],
            .events = s->events[lane], .medianBefore = s->medianBefore[lane], .start = s->start[lane]};
    }
    s->length[lane] = 0;
    s->pending[lane] = 0;
    // The row after the newest holds this read's running sums; a read starting there needs 0.
    const size_t after = (size_t)((last + 1) & (rows - 1)) * CVM_BLOCK_LANES + lane;
    b->sums[after] = 0;
    b->squares[after] = 0;
}

// Each lane field of the state: its name in cvm_lanes, then in cvm_block.
#define CVM_LANE_FIELDS(X)                                                                          \
    X(level, level) X(medianBefore, medianBefore) X(inRead, inRead) X(pending, pending)             \
    X(length, length) X(start, start) X(shortPeak.position, shortPosition)                          \
    X(shortPeak.valid, shortValid) X(shortPeak.mask, shortMask) X(shortPeak.value, shortValue)      \
    X(longPeak.position, longPosition) X(longPeak.valid, longValid) X(longPeak.mask, longMask)      \
    X(longPeak.value, longValue) X(boundary, boundary) X(events, events) X(strand, strand)          \
    X(open, open) X(noPore, noPore) X(saturated, saturated) X(other, other)

CVM_LANE_LOAD_STORE(cvm_block, cvm_lanes, CVM_LANE_FIELDS)

/// ChannelProcessor.closeWindow in every lane.
CVM_TARGET static void CVM_FN(close_window)(cvm_block *b, cvm_lanes *s) {
    const int32_t total = b->windowTotal;
    for (int lane = 0; lane < CVM_BLOCK_LANES; lane++) {
        if (s->saturated[lane] * 100 >= total) {
            b->state[lane] = CVM_STATE_SATURATED;
            continue;
        }
        // The first of the largest, in ChannelProcessor's order.
        int32_t best = CVM_STATE_STRAND, count = s->strand[lane];
        if (s->open[lane] > count) { best = CVM_STATE_PORE; count = s->open[lane]; }
        if (s->noPore[lane] > count) { best = CVM_STATE_NO_PORE; count = s->noPore[lane]; }
        if (s->other[lane] > count) { best = CVM_STATE_OTHER; count = s->other[lane]; }
        b->state[lane] = count * 2 >= total ? best : CVM_STATE_OTHER;
    }
    s->strand = s->open = s->noPore = s->saturated = s->other = (cvm_iv)0;
    b->windowTotal = 0;
}

CVM_TARGET static long CVM_FN(cvm_run)(cvm_block *b, const void *rows, long stride, long count) {
    cvm_lanes s;
    CVM_FN(load)(b, &s);
    cvm_dv offset, unit;
    cvm_iv capacity;
    memcpy(&offset, b->offset, sizeof offset);
    memcpy(&unit, b->unit, sizeof unit);
    memcpy(&capacity, b->capacity, sizeof capacity);
    const long ringRows = b->ringRows;
    const int32_t behind = b->lag + b->minimumGap;
    b->needsRoom = 0;
    b->ended = 0;
    long r = 0;
    for (; r < count; r++) {
        if (CVM_FN(any)(s.inRead & (s.length >= capacity))) {
            b->needsRoom = 1;
            break;
        }
        cvm_sv raw16;
        memcpy(&raw16, (const char *)rows + 2 * r * stride, sizeof raw16);
        cvm_iv raw = __builtin_convertvector(raw16, cvm_iv);
        // current(raw): pA.
        cvm_fv x = __builtin_convertvector((__builtin_convertvector(raw, cvm_dv) + offset) * unit, cvm_fv);
        // Saturated, no pore, strand, open pore or other; the window's counts; the open-pore level.
        cvm_iv saturated = (raw < b->railLow) | (raw > b->railHigh);
        cvm_iv noPore = ~saturated & (__builtin_elementwise_abs(x) < b->noPoreBelow);
        cvm_iv rest = ~saturated & ~noPore;
        cvm_iv strand = rest & (x < s.level * b->strandFraction);
        cvm_iv open = rest & ~strand & (x >= b->openLow) & (x <= b->openHigh);
        s.saturated -= saturated;
        s.noPore -= noPore;
        s.strand -= strand;
        s.open -= open;
        s.other -= rest & ~strand & ~open;
        cvm_fv step = CVM_FN(fsel)(x > s.level, (cvm_fv)0.05f, CVM_FN(fsel)(x < s.level, (cvm_fv)-0.05f, (cvm_fv)0.0f));
        s.level = CVM_FN(fsel)(open, s.level + step, s.level);
        // beginRead: a strand sample outside a read starts one, with a fresh detector.
        cvm_iv begin = strand & ~s.inRead;
        if (CVM_FN(any)(begin)) {
            s.start = (cvm_uv)CVM_FN(dsel)(begin, (cvm_dv)(cvm_uv)b->samples, (cvm_dv)s.start);
            s.medianBefore = CVM_FN(fsel)(begin, s.level, s.medianBefore);
            s.length = CVM_FN(isel)(begin, (cvm_iv)0, s.length);
            s.pending = CVM_FN(isel)(begin, (cvm_iv)0, s.pending);
            s.shortPeak.position = CVM_FN(isel)(begin, (cvm_iv)-1, s.shortPeak.position);
            s.shortPeak.value = CVM_FN(fsel)(begin, (cvm_fv)FLT_MAX, s.shortPeak.value);
            s.shortPeak.valid &= ~begin;
            s.shortPeak.mask &= ~begin;
            s.longPeak.position = CVM_FN(isel)(begin, (cvm_iv)-1, s.longPeak.position);
            s.longPeak.value = CVM_FN(fsel)(begin, (cvm_fv)FLT_MAX, s.longPeak.value);
            s.longPeak.valid &= ~begin;
            s.longPeak.mask &= ~begin;
            s.boundary &= ~begin;
            s.events &= ~begin;
            s.inRead |= begin;
        }
        // In a read, every sample goes to it; the non-strand ones since the last strand sample
        // are counted, and taken off again if the read ends there.
        s.pending = CVM_FN(isel)(strand, (cvm_iv)0, CVM_FN(isel)(s.inRead, s.pending + 1, s.pending));
        for (int lane = 0; lane < CVM_BLOCK_LANES; lane++) b->raw[lane][s.length[lane]] = raw16[lane];
        s.length -= s.inRead;
        // The detector's prefix sums: Σx in double of the float sample, Σx² in double of the float
        // square; the row after this one holds the sums of a read's samples before it (0 outside).
        cvm_dv sum = CVM_FN(row)(b->sums, ringRows, b->frame), square = CVM_FN(row)(b->squares, ringRows, b->frame);
        sum = CVM_FN(dsel)(s.inRead, sum + __builtin_convertvector(x, cvm_dv), (cvm_dv)0.0);
        square = CVM_FN(dsel)(s.inRead, square + __builtin_convertvector(x * x, cvm_dv), (cvm_dv)0.0);
        const size_t at = (size_t)((b->frame + 1) & (ringRows - 1)) * CVM_BLOCK_LANES;
        memcpy(b->sums + at, &sum, sizeof sum);
        memcpy(b->squares + at, &square, sizeof square);
        // The detector's step, `behind` samples behind the newest: sample i of every read is at the
        // same row, so the statistics of all lanes load as vectors.
        cvm_iv i = s.length - behind;
        cvm_iv active = s.inRead & (i >= 0);
        if (CVM_FN(any)(active)) {
            const int64_t here = b->frame + 1 - behind;
            cvm_dv h = CVM_FN(row)(b->sums, ringRows, here), hq = CVM_FN(row)(b->squares, ringRows, here);
            cvm_fv t[2];
            for (int k = 0; k < 2; k++) {
                const int32_t w = k == 0 ? b->window1 : b->window2;
                t[k] = CVM_FN(keep)(CVM_FN(tstat)(h, hq, CVM_FN(row)(b->sums, ringRows, here - w),
                                                  CVM_FN(row)(b->squares, ringRows, here - w),
                                                  CVM_FN(row)(b->sums, ringRows, here + w),
                                                  CVM_FN(row)(b->squares, ringRows, here + w), w),
                                    i, w, 0);
            }
            CVM_FN(step)(b, &s, active, i, t[0], t[1]);
        }
        // endRead: `minimumGap` samples that are not strand (signal_positive), or the longest read (partial).
        cvm_iv gap = s.inRead & (s.pending >= b->minimumGap);
        cvm_iv full = s.inRead & strand & (s.length >= b->maximumReadLength);
        if (CVM_FN(any)(gap | full)) {
            for (int lane = 0; lane < CVM_BLOCK_LANES; lane++) {
                if (gap[lane]) CVM_FN(end)(b, &s, lane, 1, b->frame);
                else if (full[lane]) CVM_FN(end)(b, &s, lane, 4, b->frame);
            }
        }
        b->frame += 1;
        b->samples += 1;
        b->windowTotal += 1;
        if (b->windowTotal == b->stateWindow) CVM_FN(close_window)(b, &s);
        if (b->ended > 0) {
            r++;
            break;
        }
    }
    CVM_FN(store)(b, &s);
    return r;
}

CVM_TARGET static void CVM_FN(cvm_end_reads)(cvm_block *b, int32_t reason) {
    cvm_lanes s;
    CVM_FN(load)(b, &s);
    b->ended = 0;
    b->needsRoom = 0;
    for (int lane = 0; lane < CVM_BLOCK_LANES; lane++) {
        if (s.inRead[lane]) CVM_FN(end)(b, &s, lane, reason, b->frame - 1);
    }
    CVM_FN(store)(b, &s);
}

#undef CVM_LANE_FIELDS
#undef CVM_CAT2
#undef CVM_CAT
#undef CVM_FN
#undef CVM_INLINE
