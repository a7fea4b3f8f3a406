// The vector types of the sixteen-lane kernels (channel_block.c, event_lanes.c): one lane per
// channel or read.
#ifndef PRECIS_LANE_TYPES_H
#define PRECIS_LANE_TYPES_H

#include <stdint.h>

typedef float cvm_fv __attribute__((ext_vector_type(16)));
typedef double cvm_dv __attribute__((ext_vector_type(16)));
typedef int32_t cvm_iv __attribute__((ext_vector_type(16)));
typedef int64_t cvm_lv __attribute__((ext_vector_type(16)));
typedef uint64_t cvm_uv __attribute__((ext_vector_type(16)));
typedef int16_t cvm_sv __attribute__((ext_vector_type(16)));

/// One peak detector of every lane (scrappie's Detector: where its peak is, -1 for none yet;
/// the peak's value; whether it has been confirmed; up to which sample the short detector masks
/// it; the peak's prefix sums, kept only by the offline kernel).
typedef struct {
    cvm_iv position, valid, mask;
    cvm_fv value;
    cvm_dv sum, squares;
} cvm_peaks;

#endif
