/* Nothing a run starts outlives it: the main `ipcbench run` process becomes a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every descendant orphaned by a killed point (a helper a
 * create.* point had just started, a peer) is re-parented to it rather than to init, and it
 * reaps them after each point and before it exits. */
#ifndef IPCBENCH_REAP_H
#define IPCBENCH_REAP_H

/* Make this process the subreaper of its descendants. Returns 0, or -1 with errno set. */
int reap_init(void);

/* Reap every child that has exited, then wait up to timeout_s for the others to exit (a point
 * killed with its process group takes them with it), killing with SIGKILL those still there
 * at the end. Returns how many were reaped. */
int reap_orphans(double timeout_s);

#endif
