// The prefetch hint is a static inline function in include/dxemu_prefetch.h;
// SwiftPM needs one source file to build the module.
#include "dxemu_prefetch.h"
