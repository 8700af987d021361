#include "bench.h"

const struct bench *const shm_benches[] = { NULL };
