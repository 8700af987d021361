#include "bench.h"

const struct bench *const notify_benches[] = { NULL };
