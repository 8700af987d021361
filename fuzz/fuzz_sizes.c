/* Fuzz target: the size parsers of the command line (harness/options.c): one size ("64", "4K",
 * "1MiB") and a list ("64,4K,1M", for --sizes).
 *
 * The input is: a byte giving the list's room (1-64 sizes), then the text, up to its first NUL
 * or newline. Checked:
 *   - a size is accepted exactly when the grammar of options.h allows it (digits, then K, M or G
 *     in either case, then an optional i after the letter, then an optional B or b), with the
 *     value that grammar gives, from 1 B to 1 GiB;
 *   - an accepted size, printed by the summary's formatter (report_size: "4 KiB"), reads back
 *     as the same number of bytes once its space is removed;
 *   - a list is accepted exactly when each comma-separated item is a size of at most 31
 *     characters and the items fit its room; then its sizes are the items' own, in order, and
 *     nothing is written past the room (the array is exactly that big, for ASan);
 *   - a refused list gets one non-empty line that names it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "options.h"
#include "report.h"

enum { ERR_BYTES = 512, LIST_ITEM_MAX_CHARS = 31 };

/* The grammar of options.h, read one character at a time: returns 0 and the bytes, or -1. */
static int model_size(const char *s, size_t len, uint64_t *bytes)
{
        uint64_t n = 0;
        size_t i = 0;
        int shift = 0;

        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                n = n * 10 + (uint64_t)(s[i] - '0');
                if (n > (uint64_t)1 << 30)
                        return -1;      /* more than 1 GiB already, whatever follows */
        }
        if (i == 0)
                return -1;
        if (i < len && strchr("KkMmGg", s[i]) && s[i] != '\0') {
                shift = s[i] == 'K' || s[i] == 'k' ? 10 : s[i] == 'M' || s[i] == 'm' ? 20 : 30;
                i++;
                if (i < len && s[i] == 'i')
                        i++;
        }
        if (i < len && (s[i] == 'B' || s[i] == 'b'))
                i++;
        if (i != len || n == 0 || n > ((uint64_t)1 << 30) >> shift)
                return -1;
        *bytes = n << shift;
        return 0;
}

static void check_one(const char *text)
{
        size_t bytes = 0, back = 0;
        uint64_t want = 0;
        int rc = options_parse_size(text, &bytes);
        int model = model_size(text, strlen(text), &want);
        char printed[32], *space;

        FUZZ_CHECK(rc == model, "'%s': options_parse_size %d, the grammar %d", text, rc, model);
        if (rc != 0)
                return;
        FUZZ_CHECK(bytes == want, "'%s': %zu bytes, the grammar says %llu", text, bytes,
                   (unsigned long long)want);
        report_size(printed, sizeof printed, bytes);
        space = strchr(printed, ' ');
        FUZZ_CHECK(space != NULL, "report_size(%zu) is '%s', without a space", bytes, printed);
        memmove(space, space + 1, strlen(space));
        FUZZ_CHECK(options_parse_size(printed, &back) == 0 && back == bytes,
                   "'%s' is %zu bytes, printed '%s', read back as %zu", text, bytes, printed, back);
}

static void check_list(const char *text, size_t room)
{
        size_t *sizes = malloc(room * sizeof *sizes), count = 0, items = 0;
        char err[ERR_BYTES] = "";
        bool valid = true;
        int rc;

        if (!sizes)
                return;
        rc = options_parse_sizes(text, sizes, room, &count, err, sizeof err);
        /* The model: split at commas; every item a size, short enough, and room for all. */
        for (const char *item = text;; items++) {
                size_t len = strcspn(item, ",");
                uint64_t want;

                if (len > LIST_ITEM_MAX_CHARS || model_size(item, len, &want) != 0 || items == room)
                        valid = false;
                else if (rc == 0)
                        FUZZ_CHECK(items < count && sizes[items] == want,
                                   "'%s': item %zu is %llu bytes, the list gave %zu", text, items,
                                   (unsigned long long)want, items < count ? sizes[items] : 0);
                if (!valid || item[len] == '\0')
                        break;
                item += len + 1;
        }
        if (valid) {
                FUZZ_CHECK(rc == 0, "'%s' (room %zu) refused: %s", text, room, err);
                FUZZ_CHECK(count == items + 1, "'%s': %zu sizes, %zu items", text, count, items + 1);
                FUZZ_CHECK(err[0] == '\0', "'%s' accepted, with a message: '%s'", text, err);
        } else {
                FUZZ_CHECK(rc != 0, "'%s' (room %zu) accepted as %zu sizes", text, room, count);
                FUZZ_CHECK(err[0] != '\0', "'%s' refused without a message", text);
                FUZZ_CHECK(strchr(err, '\n') == NULL, "a message of more than one line: '%s'", err);
                FUZZ_CHECK(strncmp(err, "--sizes: ", 9) == 0, "a message that does not name --sizes: '%s'",
                           err);
        }
        free(sizes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_input in = { data, size };
        size_t room = fuzz_u8(&in) % OPTIONS_MAX_SIZES + 1;
        char *text = malloc(in.left + 1);

        if (!text)
                return 0;
        memcpy(text, in.data, in.left);
        text[in.left] = '\0';
        text[strcspn(text, "\n")] = '\0';
        check_one(text);
        check_list(text, room);
        free(text);
        return 0;
}
