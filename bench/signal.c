#include "bench.h"

const struct bench *const signal_benches[] = { NULL };
