// See include/channel_block.h. The kernel's body (channel_block_body.h) is built once per
// instruction-set level, as the t-statistics are (tstat.c), and the level is chosen once.
#include "channel_block.h"
#include "tstat.h"
#include "tstat_formula.h"
#include <float.h>
#include <string.h>

#pragma clang fp contract(off)
// The helpers that take and return 16-lane vectors are always inlined into their caller of the
// same level, so the ABI of passing such vectors between levels never arises.
#pragma clang diagnostic ignored "-Wpsabi"

#include "lane_types.h"

/// Everything a row changes, in registers for the length of a call.
typedef struct {
    cvm_fv level, medianBefore;
    cvm_iv inRead, pending, length;
    cvm_uv start;
    cvm_peaks shortPeak, longPeak;
    cvm_iv boundary, events;
    cvm_iv strand, open, noPore, saturated, other;
} cvm_lanes;

#define CVM_LEVEL_BODY "channel_block_body.h"
#include "lane_levels.h"

typedef long (*cvm_run_kernel)(cvm_block *, const void *, long, long);
typedef void (*cvm_end_kernel)(cvm_block *, int32_t);

static const cvm_run_kernel runs[] = {
    cvm_run_baseline,
#if defined(__x86_64__)
    cvm_run_avx2,
    cvm_run_avx512,
#endif
};

static const cvm_end_kernel ends[] = {
    cvm_end_reads_baseline,
#if defined(__x86_64__)
    cvm_end_reads_avx2,
    cvm_end_reads_avx512,
#endif
};

long cvm_block_run(cvm_block *block, const void *rows, long stride, long count) {
    return runs[cvm_tstat_level()](block, rows, stride, count);
}

void cvm_block_end_reads(cvm_block *block, int32_t reason) {
    ends[cvm_tstat_level()](block, reason);
}

static int usable(int level) {
    int available = cvm_tstat_level_available();
    return level < CVM_LEVEL_BASELINE || level > available ? available : level;
}

long cvm_block_run_at_level(int level, cvm_block *block, const void *rows, long stride, long count) {
    return runs[usable(level)](block, rows, stride, count);
}

void cvm_block_end_reads_at_level(int level, cvm_block *block, int32_t reason) {
    ends[usable(level)](block, reason);
}
