/* Isolation: benchmarks to come. */
#include <stddef.h>

#include "bench.h"

const struct bench *const iso_benches[] = {
        NULL,
};
