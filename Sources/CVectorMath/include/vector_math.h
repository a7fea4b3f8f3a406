// Element-wise square root, maximum and absolute value of four-lane vectors, for PrecisSignal.
//
// Swift's SIMD types work these out one lane at a time (the square root through libm, behind
// a branch kept for errno), which stops the whole expression from staying in vector
// registers. Clang's element-wise builtins are single vector instructions (sqrtpd, maxps,
// andps on x86-64; their NEON twins on arm64) with each lane's IEEE result exactly the scalar
// one: sqrt is correctly rounded, max is C's fmax (a NaN loses), abs clears the sign bit.
// No arithmetic that could be contracted into a fused multiply-add lives here.
#ifndef PRECIS_VECTOR_MATH_H
#define PRECIS_VECTOR_MATH_H

typedef double cvm_double4 __attribute__((ext_vector_type(4)));
typedef float cvm_float4 __attribute__((ext_vector_type(4)));

/// Square root of each lane.
static inline __attribute__((always_inline)) cvm_double4 cvm_sqrt4(cvm_double4 x) {
    return __builtin_elementwise_sqrt(x);
}

/// fmaxf of each lane.
static inline __attribute__((always_inline)) cvm_float4 cvm_fmax4(cvm_float4 x, cvm_float4 y) {
    return __builtin_elementwise_max(x, y);
}

/// fabsf of each lane.
static inline __attribute__((always_inline)) cvm_float4 cvm_fabs4(cvm_float4 x) {
    return __builtin_elementwise_abs(x);
}

#endif
