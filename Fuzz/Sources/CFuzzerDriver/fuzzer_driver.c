// Declarations only: LLVMFuzzerRunDriver comes from -sanitize=fuzzer.
#include "fuzzer_driver.h"
