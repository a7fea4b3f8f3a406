// The functions are static inline in include/vector_math.h; SwiftPM wants one source file.
#include "vector_math.h"
