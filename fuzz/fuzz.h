/* What every fuzz target shares: a reader that takes numbers out of libFuzzer's input, and a
 * check that, when a property fails, prints both sides and aborts, so that libFuzzer records
 * the input as a finding (a property that only printed would be lost among the runs). */
#ifndef IPCBENCH_FUZZ_H
#define IPCBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                                \
        do {                                                                                 \
                if (!(cond)) {                                                               \
                        fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                        \
                        fputc('\n', stderr);                                                 \
                        abort();                                                             \
                }                                                                            \
        } while (0)

/* The input, read front to back; past its end every number reads as 0. */
struct fuzz_input {
        const uint8_t *data;
        size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
        if (in->left == 0)
                return 0;
        in->left--;
        return *in->data++;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
        uint16_t lo = fuzz_u8(in);

        return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v |= (uint64_t)fuzz_u8(in) << (8 * i);
        return v;
}

#endif
