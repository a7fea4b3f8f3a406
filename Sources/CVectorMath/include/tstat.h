// The two-window t-statistics of the nanopore event detector, as one C kernel built for three
// instruction sets and chosen once for the CPU at hand (PrecisSignal's EventDetector calls it).
//
// The statistics are divider-bound: per sample and window, three double divisions, three float
// divisions and a double square root. x86-64's baseline (SSE2) divides two doubles per
// instruction; AVX2 four and AVX-512 eight, at the same rate on current cores, so the same
// arithmetic runs two to four times as fast where the CPU has them. Every lane does the
// reference's scalar operations in its precision and order (no fused multiply-add: contraction
// is off in tstat.c), so each level gives the same bits; the tests run every level this CPU has.
#ifndef PRECIS_TSTAT_H
#define PRECIS_TSTAT_H

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels of the kernel.
enum {
    /// x86-64's SSE2, or whatever the compiler targets elsewhere (NEON on arm64).
    CVM_LEVEL_BASELINE = 0,
    /// AVX2 (x86-64-v3).
    CVM_LEVEL_AVX2 = 1,
    /// AVX-512 Foundation.
    CVM_LEVEL_AVX512 = 2,
};

/// The widest level this CPU and build offer.
int cvm_tstat_level_available(void);

/// The level in use: the widest available, or PRECIS_VECTOR_LEVEL from the
/// environment if set to baseline, avx2 or avx512 and available (for benchmarks of the narrower
/// levels).
int cvm_tstat_level(void);

/// The reference's t-statistics over windows of `window` samples for `count` consecutive
/// samples whose prefix sums of the samples and of their squares are at `sums + at` and
/// `squares + at`; reads from `at - window` to `at + count - 1 + window`; writes
/// `out[0..<count]`. The caller zeroes the samples the reference leaves out (the first and
/// last `window`, reads shorter than two windows).
void cvm_tstats(const double *sums, const double *squares, long at, long count, long window, float *out);

/// `cvm_tstats` at a given level (the widest available if this CPU does not offer it), for the
/// tests that check every level gives the same bits.
void cvm_tstats_at_level(int level, const double *sums, const double *squares, long at, long count, long window,
                         float *out);

#ifdef __cplusplus
}
#endif

#endif
