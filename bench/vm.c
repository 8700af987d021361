/* Virtual memory: benchmarks to come. */
#include <stddef.h>

#include "bench.h"

const struct bench *const vm_benches[] = {
        NULL,
};
