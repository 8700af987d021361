/* The ctx.* state (bench/ctx.h): what main writes in the timed loop, what the peer writes, and
 * the futex words they hand the token over with, each on cache lines no other of the three
 * touches; so a hop moves the token's line and nothing else between the CPUs. */
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "ctx.h"

/* The cache lines [first, last] that bytes [offset, offset + bytes) of the state fall on. */
struct lines {
        const char *what;
        size_t first, last;
};

static struct lines lines_of(const char *what, size_t offset, size_t bytes)
{
        return (struct lines){ what, offset / CACHE_LINE_BYTES, (offset + bytes - 1) / CACHE_LINE_BYTES };
}

#define LINES(member) lines_of(#member, offsetof(struct ctx_state, member),                  \
                               sizeof ((struct ctx_state *)0)->member)

static void check_apart(struct lines a, struct lines b)
{
        if (a.last >= b.first && b.last >= a.first) {
                fprintf(stderr, "%s (cache lines %zu-%zu) shares a line with %s (lines %zu-%zu)\n",
                        a.what, a.first, a.last, b.what, b.first, b.last);
                check_failures++;
        }
}

int main(void)
{
        /* Written by main in the timed loop. */
        struct lines main_sink = LINES(main.sink), main_seq = LINES(main.next_seq);
        /* Written by the peer. */
        struct lines peer_sink = LINES(peer.sink);
        /* Written by both, one after the other: the hand-over itself. */
        struct lines ping = LINES(ping), pong = LINES(pong);

        /* Offsets are lines only if the state starts on a line (it is mmap'ed: a page). */
        CHECK(_Alignof(struct ctx_state) >= CACHE_LINE_BYTES);
        check_apart(main_sink, peer_sink);
        check_apart(main_seq, peer_sink);
        check_apart(main_sink, ping);
        check_apart(main_sink, pong);
        check_apart(main_seq, ping);
        check_apart(main_seq, pong);
        check_apart(peer_sink, ping);
        check_apart(peer_sink, pong);
        return check_result();
}
