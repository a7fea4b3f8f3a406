// The body of the offline detector (event_lanes.c includes it once per level, with CVM_SUFFIX
// naming the level and CVM_TARGET its target attribute). Each step is a line of EventDetector
// (push, advance, detect, finish) done in sixteen lanes; the Swift names are in comments.

#define CVM_CAT2(a, b) a##_##b
#define CVM_CAT(a, b) CVM_CAT2(a, b)
#define CVM_FN(name) CVM_CAT(name, CVM_SUFFIX)
#define CVM_INLINE CVM_TARGET static inline __attribute__((always_inline))

#include "lane_helpers.h"

CVM_LANE_LOAD_STORE(cvm_event_lanes, cvm_event_state, CVM_EVENT_FIELDS)

/// The lanes set in `m`, one bit each.
CVM_INLINE uint32_t CVM_FN(bits)(cvm_iv m) {
    cvm_bv b = __builtin_convertvector(m != 0, cvm_bv);
    uint16_t r;
    memcpy(&r, &b, sizeof r);
    return r;
}

/// The last sample whose statistic over `window` the reference computes (EventDetector.valid, the
/// read's length `n` known): n - window, or -1 (none) for a window under 2 or a read shorter than
/// two windows. Those before `window` are left at 0 too.
CVM_INLINE cvm_iv CVM_FN(last_valid)(int32_t window, cvm_iv n) {
    return CVM_FN(isel)((n < 2 * window) | (cvm_iv)(window < 2 ? -1 : 0), (cvm_iv)-1, n - window);
}

/// Appends the lanes of `counted` to the tile's log of boundaries (lane, position, prefix sums), in
/// lane order: AVX-512 packs them with compress instructions, with no branch; the other levels
/// take one lane at a time.
CVM_INLINE void CVM_FN(log)(cvm_event_lanes *b, cvm_event_state *s, cvm_iv counted, cvm_iv position, cvm_dv sum,
                            cvm_dv squares) {
    const long n = s->logged;
#if CVM_AVX512
    const __mmask16 k = (__mmask16)CVM_FN(bits)(counted);
    const __mmask8 low = (__mmask8)k, high = (__mmask8)(k >> 8);
    const long lows = __builtin_popcount(low);
    const cvm_iv iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    _mm512_storeu_si512(b->logLane + n, _mm512_maskz_compress_epi32(k, (__m512i)iota));
    _mm512_storeu_si512(b->logPosition + n, _mm512_maskz_compress_epi32(k, (__m512i)position));
    const cvm_d8 sumLow = __builtin_shufflevector(sum, sum, 0, 1, 2, 3, 4, 5, 6, 7);
    const cvm_d8 sumHigh = __builtin_shufflevector(sum, sum, 8, 9, 10, 11, 12, 13, 14, 15);
    const cvm_d8 squaresLow = __builtin_shufflevector(squares, squares, 0, 1, 2, 3, 4, 5, 6, 7);
    const cvm_d8 squaresHigh = __builtin_shufflevector(squares, squares, 8, 9, 10, 11, 12, 13, 14, 15);
    _mm512_storeu_pd(b->logSum + n, _mm512_maskz_compress_pd(low, (__m512d)sumLow));
    _mm512_storeu_pd(b->logSum + n + lows, _mm512_maskz_compress_pd(high, (__m512d)sumHigh));
    _mm512_storeu_pd(b->logSquares + n, _mm512_maskz_compress_pd(low, (__m512d)squaresLow));
    _mm512_storeu_pd(b->logSquares + n + lows, _mm512_maskz_compress_pd(high, (__m512d)squaresHigh));
    s->logged = n + __builtin_popcount(k);
#else
    long at = n;
    for (uint32_t m = CVM_FN(bits)(counted); m != 0; m &= m - 1) {
        const int lane = __builtin_ctz(m);
        b->logLane[at] = lane;
        b->logPosition[at] = position[lane];
        b->logSum[at] = sum[lane];
        b->logSquares[at] = squares[lane];
        at++;
    }
    s->logged = at;
#endif
}

/// The tile's log handed to each lane's own output, in order.
CVM_INLINE void CVM_FN(distribute)(cvm_event_lanes *b, cvm_event_state *s) {
    for (long k = 0; k < s->logged; k++) {
        const int lane = b->logLane[k];
        b->out[lane][b->count[lane]++] = (cvm_boundary){b->logSum[k], b->logSquares[k], b->logPosition[k]};
    }
    s->logged = 0;
}

/// The lanes of `counted` end their event at the peak `d` (EventDetector.advance's `found`):
/// each logs the peak's position and prefix sums, and the peak becomes its boundary.
CVM_INLINE void CVM_FN(found)(cvm_event_lanes *b, cvm_event_state *s, cvm_iv counted, const cvm_peaks *d) {
#if !CVM_AVX512
    if (!CVM_FN(any)(counted)) return;
#endif
    CVM_FN(log)(b, s, counted, d->position, d->sum, d->squares);
    s->boundary = CVM_FN(isel)(counted, d->position, s->boundary);
}

/// Both detectors' step at sample `i` in the lanes of `active` (EventDetector.advance's loop):
/// the short one, its mask on the long one, then the long one.
CVM_INLINE void CVM_FN(step)(cvm_event_lanes *b, cvm_event_state *s, cvm_iv active, cvm_iv i, cvm_fv t1, cvm_fv t2,
                             cvm_dv h, cvm_dv hq) {
    cvm_iv masks;
    cvm_peaks *p = &s->shortPeak, *q = &s->longPeak;
    cvm_iv fired = CVM_FN(detect)(p, active & (p->mask < i), i, t1, b->peakHeight, b->threshold1, b->window1, &masks, 1, h, hq);
    q->mask = CVM_FN(isel)(masks, p->position + b->window1, q->mask);
    q->position = CVM_FN(isel)(masks, (cvm_iv)-1, q->position);
    q->value = CVM_FN(fsel)(masks, (cvm_fv)FLT_MAX, q->value);
    q->valid &= ~masks;
    CVM_FN(found)(b, s, fired & (p->position > s->boundary), p);
    p->position = CVM_FN(isel)(fired, (cvm_iv)-1, p->position);
    p->value = CVM_FN(fsel)(fired, t1, p->value);
    p->valid &= ~fired;

    fired = CVM_FN(detect)(q, active & (q->mask < i), i, t2, b->peakHeight, b->threshold2, b->window2, &masks, 1, h, hq);
    CVM_FN(found)(b, s, fired & (q->position > s->boundary), q);
    q->position = CVM_FN(isel)(fired, (cvm_iv)-1, q->position);
    q->value = CVM_FN(fsel)(fired, t2, q->value);
    q->valid &= ~fired;
}

/// One row: the lanes' next samples (`raw16`) into the prefix sums, then the detectors' step
/// `lag` samples behind; a lane whose detector has passed its read's last sample writes the last
/// boundary, its end (EventDetector.finish), and is done.
CVM_INLINE void CVM_FN(row_step)(cvm_event_lanes *b, cvm_event_state *s, cvm_sv raw16, cvm_dv offset, cvm_dv unit,
                                 cvm_iv n, const cvm_iv valid[2]) {
    const long rows = b->ringRows;
    // current(raw): pA; Σx in double of the float sample, Σx² in double of the float square.
    cvm_fv x = __builtin_convertvector((__builtin_convertvector(raw16, cvm_dv) + offset) * unit, cvm_fv);
    cvm_dv sum = CVM_FN(row)(b->sums, rows, b->frame) + __builtin_convertvector(x, cvm_dv);
    cvm_dv square = CVM_FN(row)(b->squares, rows, b->frame) + __builtin_convertvector(x * x, cvm_dv);
    const size_t at = (size_t)((b->frame + 1) & (rows - 1)) * CVM_BLOCK_LANES;
    memcpy(b->sums + at, &sum, sizeof sum);
    memcpy(b->squares + at, &square, sizeof square);
    s->fed -= s->busy;
    b->frame += 1;
    cvm_iv i = s->fed - b->lag;
    cvm_iv active = s->busy & (i >= 0);
    if (!CVM_FN(any)(active)) return;
    const int64_t here = b->frame - b->lag;
    cvm_dv h = CVM_FN(row)(b->sums, rows, here), hq = CVM_FN(row)(b->squares, rows, here);
    cvm_fv t[2];
    for (int k = 0; k < 2; k++) {
        const int32_t w = k == 0 ? b->window1 : b->window2;
        cvm_fv tk = CVM_FN(tstat)(h, hq, CVM_FN(row)(b->sums, rows, here - w), CVM_FN(row)(b->squares, rows, here - w),
                                  CVM_FN(row)(b->sums, rows, here + w), CVM_FN(row)(b->squares, rows, here + w), w);
        t[k] = CVM_FN(fsel)((i < w) | (i > valid[k]), (cvm_fv)0.0f, tk);
    }
    CVM_FN(step)(b, s, active, i, t[0], t[1], h, hq);
    cvm_iv finished = active & (i == n - 1);
    if (!CVM_FN(any)(finished)) return;
    // The last event ends at the read's end, whose prefix sums are in the row after sample n - 1's.
    CVM_FN(log)(b, s, finished, n, CVM_FN(row)(b->sums, rows, here + 1), CVM_FN(row)(b->squares, rows, here + 1));
    s->busy &= ~finished;
    b->done |= CVM_FN(bits)(finished);
}

/// One stage of a 16 × 16 transpose: rows `r` and `r | m` (r without bit m) trade the elements
/// whose column has bit m, so that bit m of the row and of the column swap places.
#define CVM_TRANSPOSE_STAGE(v, m)                                                                  \
    for (int r_ = 0; r_ < 16; r_++) {                                                             \
        if (r_ & (m)) continue;                                                                    \
        const cvm_sv a_ = v[r_], b_ = v[r_ | (m)];                                                 \
        v[r_] = __builtin_shufflevector(a_, b_, CVM_T##m##_LO);                                    \
        v[r_ | (m)] = __builtin_shufflevector(a_, b_, CVM_T##m##_HI);                              \
    }

/// Each lane's next CVM_EVENT_TILE raw samples into `tile` (row-major, sixteen a row), sixteen
/// samples of sixteen lanes at a time, transposed in vectors. A lane without a read gets zeros;
/// a read's samples past its end are whatever its padding holds, which no statistic uses.
CVM_INLINE void CVM_FN(fill)(const cvm_event_lanes *b, const cvm_event_state *s, int16_t *tile) {
    static const int16_t zeros[CVM_EVENT_TILE];
    const int16_t *from[CVM_EVENT_LANES];
    for (int lane = 0; lane < CVM_EVENT_LANES; lane++) from[lane] = s->busy[lane] ? b->raw[lane] + s->fed[lane] : zeros;
    for (int j = 0; j < CVM_EVENT_TILE; j += 16) {
        cvm_sv v[16];
        for (int lane = 0; lane < CVM_EVENT_LANES; lane++) memcpy(&v[lane], from[lane] + j, sizeof v[lane]);
        CVM_TRANSPOSE_STAGE(v, 1)
        CVM_TRANSPOSE_STAGE(v, 2)
        CVM_TRANSPOSE_STAGE(v, 4)
        CVM_TRANSPOSE_STAGE(v, 8)
        memcpy(tile + j * CVM_EVENT_LANES, v, sizeof v);
    }
}

CVM_TARGET static long CVM_FN(cvm_run)(cvm_event_lanes *b, long rows) {
    cvm_event_state s;
    CVM_FN(load)(b, &s);
    s.logged = 0;
    cvm_dv offset, unit;
    cvm_iv n, room, count;
    memcpy(&offset, b->offset, sizeof offset);
    memcpy(&unit, b->unit, sizeof unit);
    memcpy(&n, b->n, sizeof n);
    memcpy(&room, b->room, sizeof room);
    const cvm_iv valid[2] = {CVM_FN(last_valid)(b->window1, n), CVM_FN(last_valid)(b->window2, n)};
    b->done = 0;
    b->needsRoom = 0;
    int16_t tile[CVM_EVENT_TILE * CVM_EVENT_LANES];
    long r = 0;
    while (r < rows && CVM_FN(any)(s.busy) && b->done == 0) {
        memcpy(&count, b->count, sizeof count);
        // At most two events a row and a lane, and the last one.
        if (CVM_FN(any)(s.busy & (room - count < 2 * CVM_EVENT_TILE + 1))) {
            b->needsRoom = 1;
            break;
        }
        const long t = rows - r < CVM_EVENT_TILE ? rows - r : CVM_EVENT_TILE;
        CVM_FN(fill)(b, &s, tile);
        for (long j = 0; j < t; j++) {
            cvm_sv raw16;
            memcpy(&raw16, tile + j * CVM_EVENT_LANES, sizeof raw16);
            CVM_FN(row_step)(b, &s, raw16, offset, unit, n, valid);
        }
        CVM_FN(distribute)(b, &s);
        r += t;
    }
    CVM_FN(store)(b, &s);
    return r;
}

#undef CVM_CAT2
#undef CVM_CAT
#undef CVM_FN
#undef CVM_INLINE
