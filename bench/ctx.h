/* The state of the ctx.* benchmarks (bench/ctx.c), in a header so a test can check its layout.
 *
 * What each side writes inside the timed loop lives on a cache line of its own: main's line,
 * the peer's line, and the hand-over line (the futex words, which both sides must share).
 * Were main's and the peer's writes on one line, that line would cross between the CPUs at
 * every hop beside the token itself: extra traffic inside the figure, and, in thread mode, two
 * threads writing one variable. */
#ifndef IPCBENCH_CTX_H
#define IPCBENCH_CTX_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum { CACHE_LINE_BYTES = 64 };

/* What one side writes while it runs: the sum of its working-set reads (so they are not
 * optimised away) and, for main, its next token. Aligned, so a side fills whole lines. */
struct ctx_side {
        alignas(CACHE_LINE_BYTES) unsigned long sink;
        uint32_t next_seq;                /* main's next token; the peer's stays unused */
};

struct ctx_state {
        char *main_ws, *peer_ws;          /* each side's working set, private to that side */
        size_t ws_bytes;
        int to_peer[2], to_main[2];       /* ctx.pipe */
        struct ctx_side main, peer;       /* a line each */
        /* ctx.futex: main's token and the peer's answer, on a line of their own. */
        alignas(CACHE_LINE_BYTES) _Atomic uint32_t ping;
        _Atomic uint32_t pong;
};

#endif
