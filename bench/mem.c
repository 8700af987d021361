/* Memory overhead: benchmarks to come. */
#include <stddef.h>

#include "bench.h"

const struct bench *const mem_benches[] = {
        NULL,
};
