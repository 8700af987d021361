/* The commands beside list and run that bench/ provides: the lecture's TCP ack server, the
 * load client that measures it, and clean, which removes what a killed run left behind. */
#ifndef IPCBENCH_TOOLS_H
#define IPCBENCH_TOOLS_H

int serve_main(int argc, char **argv);  /* ipcbench serve [OPTIONS] */
int load_main(int argc, char **argv);   /* ipcbench load [OPTIONS] */
int clean_main(int argc, char **argv);  /* ipcbench clean [--dry-run] [--out DIR] [--dir DIR] */

/* Each connection is a descriptor, for the server and its load alike: raise the soft limit
 * on open files to the hard one (as far as the kernel allows). Returns the soft limit now in
 * force, RLIM_INFINITY for none, or 0 if it cannot be read. */
unsigned long long raise_file_limit(void);

#endif
