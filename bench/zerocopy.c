#include "bench.h"

const struct bench *const zerocopy_benches[] = { NULL };
