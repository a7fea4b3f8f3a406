// Builds the body named by CVM_LEVEL_BODY (a quoted file name) once per instruction-set level,
// as tstat.c builds the t-statistics: CVM_SUFFIX names the level, CVM_TARGET is its target
// attribute and CVM_AVX512 says whether AVX-512 intrinsics may be used. Included by the kernels
// (channel_block.c, event_lanes.c) after their types; the level is chosen at run time.

#define CVM_SUFFIX baseline
#define CVM_TARGET
#define CVM_AVX512 0
#include CVM_LEVEL_BODY
#undef CVM_SUFFIX
#undef CVM_TARGET
#undef CVM_AVX512

#if defined(__x86_64__)
#define CVM_SUFFIX avx2
#define CVM_TARGET __attribute__((target("avx2")))
#define CVM_AVX512 0
#include CVM_LEVEL_BODY
#undef CVM_SUFFIX
#undef CVM_TARGET
#undef CVM_AVX512

#define CVM_SUFFIX avx512
#define CVM_TARGET __attribute__((target("avx512f")))
#define CVM_AVX512 1
#include CVM_LEVEL_BODY
#undef CVM_SUFFIX
#undef CVM_TARGET
#undef CVM_AVX512
#endif
