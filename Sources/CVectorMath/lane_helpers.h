// Helpers shared by the two sixteen-lane kernels (channel_block_body.h, event_lanes_body.h),
// included inside a body so that CVM_FN and CVM_INLINE name them once per instruction-set level.
// Not guarded: each inclusion is another level's copy.

/// A kernel's `load` (its lanes' state from the block into registers) and `store` (back), for
/// the fields FIELDS lists as X(name in the state, name in the block).
#define CVM_LANE_LOAD_FIELD(field, from) memcpy(&s->field, b->from, sizeof s->field);
#define CVM_LANE_STORE_FIELD(field, to) memcpy(b->to, &s->field, sizeof s->field);
#define CVM_LANE_LOAD_STORE(Block, State, FIELDS)                                                  \
    CVM_INLINE void CVM_FN(load)(const Block *b, State *s) { FIELDS(CVM_LANE_LOAD_FIELD) }        \
    CVM_INLINE void CVM_FN(store)(Block *b, const State *s) { FIELDS(CVM_LANE_STORE_FIELD) }

CVM_INLINE cvm_fv CVM_FN(fsel)(cvm_iv m, cvm_fv a, cvm_fv b) { return (cvm_fv)((m & (cvm_iv)a) | (~m & (cvm_iv)b)); }
CVM_INLINE cvm_iv CVM_FN(isel)(cvm_iv m, cvm_iv a, cvm_iv b) { return (m & a) | (~m & b); }
CVM_INLINE cvm_dv CVM_FN(dsel)(cvm_iv m, cvm_dv a, cvm_dv b) {
    cvm_lv wide = __builtin_convertvector(m, cvm_lv);
    return (cvm_dv)((wide & (cvm_lv)a) | (~wide & (cvm_lv)b));
}
CVM_INLINE int CVM_FN(any)(cvm_iv m) { return __builtin_reduce_or(m) != 0; }

/// A row of the prefix-sum ring.
CVM_INLINE cvm_dv CVM_FN(row)(const double *ring, long rows, int64_t at) {
    cvm_dv v;
    memcpy(&v, ring + (size_t)(at & (rows - 1)) * CVM_BLOCK_LANES, sizeof v);
    return v;
}

/// The t-statistic over windows of `window` at the sample whose prefix sums are `here`.
CVM_INLINE cvm_fv CVM_FN(tstat)(cvm_dv here, cvm_dv hereSq, cvm_dv before, cvm_dv beforeSq, cvm_dv after,
                                cvm_dv afterSq, int32_t window) {
    const double wd = (double)(float)window;
    const float wf = (float)window;
    cvm_fv t;
    CVM_TSTAT_LANES(cvm_fv, cvm_dv, here, hereSq, before, beforeSq, after, afterSq, wd, wf, t);
    return t;
}

/// One step of one peak detector in the lanes of `run` at sample `i` (EventDetector.detect);
/// `masks` gets the lanes whose peak is above threshold; returns the lanes that emit their peak
/// (its position is still in `d->position`; the caller resets them). With `track` (a constant),
/// the peak's prefix sums follow its position (`here`, `hereSq` are sample i's).
CVM_INLINE cvm_iv CVM_FN(detect)(cvm_peaks *d, cvm_iv run, cvm_iv i, cvm_fv v, float height, float threshold,
                                 int32_t window, cvm_iv *masks, int track, cvm_dv here, cvm_dv hereSq) {
    cvm_iv none = d->position == -1;
    cvm_iv first = run & none, then = run & ~none;
    // No peak yet: record a deeper minimum, or a rise of more than `height` as a peak.
    cvm_iv lower = v < d->value;
    cvm_iv rise = ~lower & ((v - d->value) > height);
    d->value = CVM_FN(fsel)(first & (lower | rise), v, d->value);
    d->position = CVM_FN(isel)(first & rise, i, d->position);
    // In a peak: follow it up; it is confirmed once the signal falls `height` below it.
    cvm_iv higher = then & (v > d->value);
    d->value = CVM_FN(fsel)(higher, v, d->value);
    d->position = CVM_FN(isel)(higher, i, d->position);
    if (track) {
        cvm_iv moved = (first & rise) | higher;
        d->sum = CVM_FN(dsel)(moved, here, d->sum);
        d->squares = CVM_FN(dsel)(moved, hereSq, d->squares);
    }
    cvm_iv above = d->value > threshold;
    *masks = then & above;
    d->valid |= then & ((d->value - v) > height) & above;
    return then & d->valid & ((i - d->position) > window / 2);
}
