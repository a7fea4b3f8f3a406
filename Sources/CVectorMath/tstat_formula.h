// scrappie's compute_tstat on vectors of lanes, shared by the t-statistics along a read
// (tstat.c) and across the channels of a block (channel_block.c). The scalar statement, with
// each operation's precision, is at the top of tstat.c; every lane repeats it in the same order.
//
// `fv` and `dv` are float and double vector types of one width; `here`, `before` and `after` are
// the prefix sums at the sample and `wd`/`wf` samples either side (`...Sq` those of the squares);
// `result` receives the statistic. Contraction must be off where this is used (no fused
// multiply-add), or lanes would round differently from the reference.
#ifndef PRECIS_TSTAT_FORMULA_H
#define PRECIS_TSTAT_FORMULA_H

#include <float.h>

#define CVM_TSTAT_LANES(fv, dv, here, hereSq, before, beforeSq, after, afterSq, wd, wf, result)      \
    do {                                                                                             \
        dv q1_ = ((hereSq) - (beforeSq)) / (wd);                                                     \
        fv mean1_ = __builtin_convertvector(((here) - (before)) / (wd), fv);                         \
        fv mean2_ = __builtin_convertvector((after) - (here), fv) / (wf);                            \
        fv s2_ = __builtin_convertvector((afterSq) - (hereSq), fv) / (wf);                           \
        dv c_ = q1_ - __builtin_convertvector(mean1_ * mean1_, dv) + __builtin_convertvector(s2_, dv) \
              - __builtin_convertvector(mean2_ * mean2_, dv);                                        \
        fv var_ = __builtin_elementwise_max(__builtin_convertvector(c_, fv), (fv)FLT_MIN);           \
        fv v_ = var_ / (wf);                                                                         \
        dv t_ = __builtin_convertvector(__builtin_elementwise_abs(mean2_ - mean1_), dv)              \
              / __builtin_elementwise_sqrt(__builtin_convertvector(v_, dv));                         \
        (result) = __builtin_convertvector(t_, fv);                                                  \
    } while (0)

#endif
