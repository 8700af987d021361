/* Context switches: benchmarks to come. */
#include <stddef.h>

#include "bench.h"

const struct bench *const ctx_benches[] = {
        NULL,
};
