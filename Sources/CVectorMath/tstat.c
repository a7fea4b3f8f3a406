// See include/tstat.h. Each lane repeats scrappie's compute_tstat (src/event_detection.c):
//
//   sum1 = sum[i] - sum[i-w]                      (double)
//   sumsq1 = sumsq[i] - sumsq[i-w]                (double)
//   sum2 = (float)(sum[i+w] - sum[i])             (float)
//   sumsq2 = (float)(sumsq[i+w] - sumsq[i])       (float)
//   mean1 = (float)(sum1 / (double)wf)            (double division, rounded to float)
//   mean2 = sum2 / wf                             (float division)
//   var = (float)(sumsq1 / (double)wf - (double)(mean1 * mean1)
//                 + (double)(sumsq2 / wf) - (double)(mean2 * mean2))
//   var = fmaxf(var, FLT_MIN)
//   t = (float)(fabs((double)(mean2 - mean1)) / sqrt((double)(var / wf)))
//
// (the reference leaves sum1 at sum[i] when i == w; subtracting sum[0] == 0 changes nothing).
#include "tstat.h"
#include "tstat_formula.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)

#define CVM_BODY(W)                                                                                    \
    typedef double dv __attribute__((ext_vector_type(W)));                                             \
    typedef float fv __attribute__((ext_vector_type(W)));                                              \
    const double wd = (double)(float)window;                                                          \
    const float wf = (float)window;                                                                    \
    const double *s = sums + at, *q = squares + at;                                                    \
    long j = 0;                                                                                        \
    for (; j + (W) <= count; j += (W)) {                                                              \
        dv here, hereSq, before, beforeSq, after, afterSq;                                             \
        memcpy(&here, s + j, sizeof here);                                                             \
        memcpy(&hereSq, q + j, sizeof hereSq);                                                         \
        memcpy(&before, s + j - window, sizeof before);                                                \
        memcpy(&beforeSq, q + j - window, sizeof beforeSq);                                            \
        memcpy(&after, s + j + window, sizeof after);                                                  \
        memcpy(&afterSq, q + j + window, sizeof afterSq);                                              \
        fv tf;                                                                                         \
        CVM_TSTAT_LANES(fv, dv, here, hereSq, before, beforeSq, after, afterSq, wd, wf, tf);          \
        memcpy(out + j, &tf, sizeof tf);                                                               \
    }                                                                                                  \
    for (; j < count; j++) {                                                                           \
        double sum1 = s[j] - s[j - window], sumsq1 = q[j] - q[j - window];                             \
        float sum2 = (float)(s[j + window] - s[j]), sumsq2 = (float)(q[j + window] - q[j]);            \
        float mean1 = (float)(sum1 / wd), mean2 = sum2 / wf;                                           \
        float var = (float)(sumsq1 / wd - (double)(mean1 * mean1) + (double)(sumsq2 / wf)              \
                            - (double)(mean2 * mean2));                                                \
        var = __builtin_fmaxf(var, FLT_MIN);                                                           \
        out[j] = (float)(__builtin_fabs((double)(mean2 - mean1)) / __builtin_sqrt((double)(var / wf))); \
    }

typedef void (*cvm_kernel)(const double *, const double *, long, long, long, float *);

static void tstats_baseline(const double *sums, const double *squares, long at, long count, long window, float *out) {
    CVM_BODY(4)
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void tstats_avx2(const double *sums, const double *squares, long at, long count, long window, float *out) {
    CVM_BODY(8)
}

__attribute__((target("avx512f")))
static void tstats_avx512(const double *sums, const double *squares, long at, long count, long window, float *out) {
    CVM_BODY(16)
}
#endif

static const cvm_kernel kernels[] = {
    tstats_baseline,
#if defined(__x86_64__)
    tstats_avx2,
    tstats_avx512,
#endif
};

int cvm_tstat_level_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return CVM_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2")) return CVM_LEVEL_AVX2;
#endif
    return CVM_LEVEL_BASELINE;
}

static int clamped(int level) {
    int available = cvm_tstat_level_available();
    return level < CVM_LEVEL_BASELINE || level > available ? available : level;
}

// -1 until first use; then the level in use. Relaxed atomics: two threads that race here
// store the same value.
static int selected = -1;

int cvm_tstat_level(void) {
    int level = __atomic_load_n(&selected, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    const char *asked = getenv("PRECIS_VECTOR_LEVEL");
    level = -1;
    if (asked && strcmp(asked, "baseline") == 0) level = CVM_LEVEL_BASELINE;
    if (asked && strcmp(asked, "avx2") == 0) level = CVM_LEVEL_AVX2;
    if (asked && strcmp(asked, "avx512") == 0) level = CVM_LEVEL_AVX512;
    level = clamped(level);
    __atomic_store_n(&selected, level, __ATOMIC_RELAXED);
    return level;
}

void cvm_tstats(const double *sums, const double *squares, long at, long count, long window, float *out) {
    kernels[cvm_tstat_level()](sums, squares, at, count, window, out);
}

void cvm_tstats_at_level(int level, const double *sums, const double *squares, long at, long count, long window,
                         float *out) {
    kernels[clamped(level)](sums, squares, at, count, window, out);
}
