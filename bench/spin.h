/* Busy waiting: what a spinning side does between two looks at a shared word. */
#ifndef IPCBENCH_SPIN_H
#define IPCBENCH_SPIN_H

/* The CPU's spin-wait hint (x86 `pause`): it yields the core's resources to a sibling
 * hyperthread and avoids the memory-order flush when the awaited store arrives, at a cost of
 * tens of cycles per look. Elsewhere, nothing. */
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
}

#endif
