// The hint is static inline in include/CacheHints.h; SwiftPM needs one
// source file to make the target.
#include "CacheHints.h"
