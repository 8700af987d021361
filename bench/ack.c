#include "ack.h"

#include <stdio.h>
#include <string.h>

static const char ACK_HEAD[] = "Your ";
static const char ACK_TAIL[] = " bytes were received, thank you for sending them!";

size_t ack_format(char *buf, size_t n)
{
        return (size_t)snprintf(buf, ACK_MAX_BYTES, "%s%zu%s\n", ACK_HEAD, n, ACK_TAIL);
}

/* One whole line, without its newline: "Your N bytes were ...", N a positive decimal. */
static int ack_line(const char *line, size_t len, uint64_t *count)
{
        size_t head = sizeof ACK_HEAD - 1, tail = sizeof ACK_TAIL - 1, i = head;
        uint64_t n = 0;

        if (len <= head + tail || memcmp(line, ACK_HEAD, head) != 0 ||
            memcmp(line + len - tail, ACK_TAIL, tail) != 0)
                return -1;
        for (; i < len - tail; i++) {
                if (line[i] < '0' || line[i] > '9')
                        return -1;
                uint64_t digit = (uint64_t)(line[i] - '0');
                if (n > (UINT64_MAX - digit) / 10)
                        return -1;      /* more than 64 bits */
                n = n * 10 + digit;
        }
        if (n == 0)
                return -1;      /* recv() returning 0 is the end, never a chunk */
        *count = n;
        return 0;
}

int ack_parse(struct ack_parser *p, const char *data, size_t len, uint64_t *acked, char *err,
              size_t err_len)
{
        for (size_t i = 0; i < len; i++) {
                uint64_t n;
                if (data[i] != '\n') {
                        if (p->len == sizeof p->line) {
                                snprintf(err, err_len, "a reply line longer than any ack: '%.40s...'", p->line);
                                return -1;
                        }
                        p->line[p->len++] = data[i];
                        continue;
                }
                if (ack_line(p->line, p->len, &n) != 0) {
                        snprintf(err, err_len, "not an ack: '%.*s'", (int)(p->len < 80 ? p->len : 80), p->line);
                        return -1;
                }
                *acked += n;
                p->len = 0;
        }
        return 0;
}
