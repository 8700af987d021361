/* The lecture's ack protocol: the server answers every chunk that recv() returned with
 *   Your N bytes were received, thank you for sending them!\n
 * where N is that chunk's size. TCP is a stream: a client's message may arrive in several
 * chunks, and so be acked several times; the counts add up to what was sent. */
#ifndef IPCBENCH_ACK_H
#define IPCBENCH_ACK_H

#include <stddef.h>
#include <stdint.h>

enum { ACK_MAX_BYTES = 96 };    /* the longest ack: the text and a 20-digit count */

/* The ack of a chunk of `n` bytes, in buf (at least ACK_MAX_BYTES); returns its length. */
size_t ack_format(char *buf, size_t n);

/* Reads acks out of a byte stream, however it is split. */
struct ack_parser {
        char line[ACK_MAX_BYTES];
        size_t len;
};

/* Feed `len` bytes of the stream; the count of every complete ack among them is added to
 * *acked. Returns 0, or -1 when what arrived is not an ack, with what it was in err. */
int ack_parse(struct ack_parser *p, const char *data, size_t len, uint64_t *acked, char *err,
              size_t err_len);

#endif
