/* Fuzz target: the load client's ack parser (bench/ack.c), which reads acks out of a TCP stream
 * that may be cut anywhere.
 *
 * The input is: a count of cuts (0-15), each cut a 16-bit position, then the stream. Checked:
 *   - the stream fed cut into pieces gives what it gives in one call: the same acked total, the
 *     same verdict and message, the same partial line left over;
 *   - an error is one non-empty line;
 *   - acks made by ack_format(n) for counts n taken from the stream, cut at the same places,
 *     parse back to the sum of the n, with nothing left over.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "ack.h"
#include "fuzz.h"

enum { MAX_CUTS = 15, MAX_VALID_ACKS = 256, ERR_BYTES = 256 };

struct outcome {
        struct ack_parser parser;
        uint64_t acked;
        int rc;
        char err[ERR_BYTES];
};

/* Feeds data[0, len) in pieces ending at each cut (sorted, each <= len); stops at an error, as
 * the load client closes the connection then. */
static void feed_cut(struct outcome *o, const char *data, size_t len, const size_t *cuts, size_t n_cuts)
{
        size_t from = 0;

        memset(o, 0, sizeof *o);
        for (size_t i = 0; i <= n_cuts && o->rc == 0; i++) {
                size_t to = i < n_cuts ? cuts[i] : len;

                o->rc = ack_parse(&o->parser, data + from, to - from, &o->acked, o->err, sizeof o->err);
                from = to;
        }
}

static void check_error_line(const struct outcome *o)
{
        if (o->rc == 0) {
                FUZZ_CHECK(o->err[0] == '\0', "success with a message: '%s'", o->err);
                return;
        }
        FUZZ_CHECK(o->rc == -1, "ack_parse returned %d; expected 0 or -1", o->rc);
        FUZZ_CHECK(o->err[0] != '\0', "an error without a message");
        FUZZ_CHECK(strchr(o->err, '\n') == NULL, "a message of more than one line: '%s'", o->err);
}

static void sort_cuts(size_t *cuts, size_t n)
{
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                        size_t t = cuts[j];
                        cuts[j] = cuts[j - 1];
                        cuts[j - 1] = t;
                }
}

/* Any bytes: cutting them must not change what the parser makes of them. */
static void check_any_stream(const char *data, size_t len, const uint16_t *raw_cuts, size_t n_cuts)
{
        struct outcome whole, cut;
        size_t cuts[MAX_CUTS];

        for (size_t i = 0; i < n_cuts; i++)
                cuts[i] = raw_cuts[i] % (len + 1);
        sort_cuts(cuts, n_cuts);
        feed_cut(&whole, data, len, NULL, 0);
        feed_cut(&cut, data, len, cuts, n_cuts);
        check_error_line(&whole);
        check_error_line(&cut);
        FUZZ_CHECK(whole.rc == cut.rc, "whole: %d, cut in %zu: %d ('%s' / '%s')", whole.rc,
                   n_cuts + 1, cut.rc, whole.err, cut.err);
        FUZZ_CHECK(whole.acked == cut.acked, "whole: %llu acked, cut in %zu: %llu",
                   (unsigned long long)whole.acked, n_cuts + 1, (unsigned long long)cut.acked);
        FUZZ_CHECK(strcmp(whole.err, cut.err) == 0, "whole: '%s', cut: '%s'", whole.err, cut.err);
        if (whole.rc == 0)
                FUZZ_CHECK(whole.parser.len == cut.parser.len &&
                           memcmp(whole.parser.line, cut.parser.line, whole.parser.len) == 0,
                           "partial line left over: %zu bytes whole, %zu cut", whole.parser.len,
                           cut.parser.len);
}

/* A chunk's count as recv() can return it: 1 to SSIZE_MAX, small ones most often (the shift
 * spreads the counts over every number of digits). */
static uint64_t chunk_count(struct fuzz_input *in)
{
        uint8_t shift = fuzz_u8(in) & 63;
        uint64_t n = (fuzz_u64(in) >> shift) & (uint64_t)SSIZE_MAX;

        return n ? n : 1;
}

/* Acks as the server writes them: they parse back to the sum of their counts. */
static void check_valid_stream(struct fuzz_input *in, const uint16_t *raw_cuts, size_t n_cuts)
{
        static char stream[MAX_VALID_ACKS * ACK_MAX_BYTES];
        size_t len = 0, n_acks = 0, cuts[MAX_CUTS];
        uint64_t sum = 0;       /* wraps as the parser's total does */
        struct outcome cut;

        while (in->left > 0 && n_acks < MAX_VALID_ACKS) {
                uint64_t n = chunk_count(in);
                char *ack = stream + len;
                size_t ack_len = ack_format(ack, (size_t)n);

                FUZZ_CHECK(ack_len > 0 && ack_len < ACK_MAX_BYTES, "ack_format(%llu) made %zu bytes",
                           (unsigned long long)n, ack_len);
                FUZZ_CHECK(ack[ack_len - 1] == '\n' && memchr(ack, '\n', ack_len - 1) == NULL,
                           "ack_format(%llu) is not one line: '%.*s'", (unsigned long long)n,
                           (int)ack_len, ack);
                len += ack_len;
                sum += n;
                n_acks++;
        }
        for (size_t i = 0; i < n_cuts; i++)
                cuts[i] = raw_cuts[i] % (len + 1);
        sort_cuts(cuts, n_cuts);
        feed_cut(&cut, stream, len, cuts, n_cuts);
        FUZZ_CHECK(cut.rc == 0, "%zu acks from ack_format refused: %s", n_acks, cut.err);
        FUZZ_CHECK(cut.acked == sum, "%zu acks of %llu bytes in all parsed as %llu", n_acks,
                   (unsigned long long)sum, (unsigned long long)cut.acked);
        FUZZ_CHECK(cut.parser.len == 0, "%zu bytes of a line left over after whole acks",
                   cut.parser.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_input in = { data, size };
        uint16_t raw_cuts[MAX_CUTS];
        size_t n_cuts = fuzz_u8(&in) % (MAX_CUTS + 1);

        for (size_t i = 0; i < n_cuts; i++)
                raw_cuts[i] = fuzz_u16(&in);
        check_any_stream((const char *)in.data, in.left, raw_cuts, n_cuts);
        check_valid_stream(&in, raw_cuts, n_cuts);
        return 0;
}
