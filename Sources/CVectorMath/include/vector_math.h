// Element-wise absolute value of a four-lane float vector, for PrecisSignal.
//
// Swift's SIMD types work element-wise functions out one lane at a time, which stops the whole
// expression from staying in vector registers. Clang's element-wise builtin is one vector
// instruction (andps on x86-64, its NEON twin on arm64), each lane exactly fabsf.
#ifndef PRECIS_VECTOR_MATH_H
#define PRECIS_VECTOR_MATH_H

typedef float cvm_float4 __attribute__((ext_vector_type(4)));

/// fabsf of each lane.
static inline __attribute__((always_inline)) cvm_float4 cvm_fabs4(cvm_float4 x) {
    return __builtin_elementwise_abs(x);
}

#endif
