/* The names ipcbench gives the kernel and file-system objects it creates, so that `ipcbench
 * clean` can recognise what a killed run left behind. Every name holds the pid of the process
 * that created it: an object whose creator is gone is abandoned, whatever its age.
 *
 * Healthy runs remove each name within microseconds of creating it (the descriptors are all
 * either side needs) or, for the System V queue, when the point ends; only a point killed in
 * between (SIGKILL of the run, or of the point) leaves one. */
#ifndef IPCBENCH_NAMES_H
#define IPCBENCH_NAMES_H

#include <sys/types.h>

/* POSIX shared memory, in /dev/shm: "ipcbench-shm-<pid>-<16 random hex digits>" (bench/shm.c,
 * msg_object_name). */
#define NAME_SHM_PREFIX "ipcbench-shm-"
/* POSIX message queues, in an mqueue mount: "ipcbench-<pid>-<16 random hex digits>-to-peer" /
 * "-to-main" (bench/ipc.c, msg_object_name). */
#define NAME_MQ_PREFIX "ipcbench-"
/* Directories from mkdtemp: "<pid>-XXXXXX" after the prefix, in /tmp for FIFOs, in the data
 * directory (--dir, default /dev/shm) for the files of ipc.file* (bench/ipc.c). */
#define NAME_FIFO_DIR_PREFIX "ipcbench-fifo-"
#define NAME_FILE_DIR_PREFIX "ipcbench-file-"

/* A System V message queue cannot have a name, only a key: ipcbench's keys are this mark in
 * the top byte and the creator's pid below it (pid_max is at most 2^22). The mark is not a
 * printable character, so ftok(3) keys, whose top byte is the caller's project id (commonly
 * a letter), rarely wear it; `ipcbench clean` also asks the creator to be gone and the queue
 * to be ours. */
#define NAME_SYSV_KEY_MARK 0x1b000000u
#define NAME_SYSV_KEY_PID_MASK 0x00ffffffu

static inline key_t name_sysv_key(pid_t pid)
{
        return (key_t)(NAME_SYSV_KEY_MARK | ((unsigned)pid & NAME_SYSV_KEY_PID_MASK));
}

#endif
