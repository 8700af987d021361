/* The commands beside list and run that bench/ provides: the lecture's TCP ack server and the
 * load client that measures it. */
#ifndef IPCBENCH_TOOLS_H
#define IPCBENCH_TOOLS_H

int serve_main(int argc, char **argv);  /* ipcbench serve [OPTIONS] */
int load_main(int argc, char **argv);   /* ipcbench load [OPTIONS] */

#endif
