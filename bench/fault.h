/* Faults a test injects into what main sends, to prove that every receiver's check fails its
 * point (tests/inject.sh). Never used to measure: the environment variable
 * IPCBENCH_TEST_FAULT=KIND[:N] switches one on for the Nth message (or receipt; default the
 * first), read once per point process, in setup, before the peer starts:
 *   corrupt    message N goes out with the byte at its middle changed
 *   truncate   message N goes out one byte short (its answer is not awaited)
 *   drop       message N does not go out (nor is its answer awaited)
 *   duplicate  message N goes out twice
 *   reorder    message N+1 goes out before message N
 *   receipt    a stream's Nth receipt is wrong by one (one byte short; one signal or datagram
 *              too many where fewer would be a loss that the mechanism allows)
 * The message layer (msg.c) carries them for every mechanism built on it; signal.c and ctx.c
 * apply the same plan to what they send. */
#ifndef IPCBENCH_FAULT_H
#define IPCBENCH_FAULT_H

#include <stdint.h>

#include "bench.h"

#define FAULT_ENV "IPCBENCH_TEST_FAULT"

enum fault_kind { FAULT_NONE, FAULT_CORRUPT, FAULT_TRUNCATE, FAULT_DROP, FAULT_DUPLICATE,
                  FAULT_REORDER, FAULT_RECEIPT };

struct fault {
        enum fault_kind kind;
        uint64_t at;                    /* the message (or receipt) it strikes, from 1 */
};

/* The fault of this process; kind FAULT_NONE unless fault_init found one. */
extern struct fault fault_active;

/* In setup, main side: reads IPCBENCH_TEST_FAULT (the first call only). A value it does not
 * know fails the point, saying what it knows. */
int fault_init(struct bench_ctx *ctx);

/* What goes out in place of message `seq`: up to two messages, each marked corrupt or cut
 * short; `used` sequence numbers are used up (the caller's next message is seq + used). */
struct fault_plan {
        int n;
        struct fault_send {
                uint64_t seq;
                int corrupt, truncated;
        } send[2];
        uint64_t used;
};

/* Whether the fault strikes message `seq` (or receipt `seq`, for FAULT_RECEIPT): the cheap test
 * a sender makes per message. */
static inline int fault_strikes(enum fault_kind kind, uint64_t seq)
{
        return __builtin_expect(fault_active.kind == kind, 0) && fault_active.at == seq;
}

/* Whether any message fault strikes message `seq`. */
static inline int fault_strikes_message(uint64_t seq)
{
        return __builtin_expect(fault_active.kind != FAULT_NONE, 0) &&
               fault_active.kind != FAULT_RECEIPT && fault_active.at == seq;
}

/* The plan for message `seq` (itself, once, when no fault strikes it). */
void fault_plan(uint64_t seq, struct fault_plan *plan);

#endif
