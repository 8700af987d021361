/* Default options of the sanitizers, linked into every program of a -DIPCBENCH_SANITIZE build
 * only, so that `ctest` and a hand run behave alike. The environment (ASAN_OPTIONS, ...) still
 * overrides each of them. */

/* iso.crash and the fault tests crash on purpose, and a parent checks that the child died of
 * that signal: ASan must leave SIGSEGV, SIGBUS, SIGFPE and SIGABRT to their default action,
 * not turn them into a report and exit status 1. (An unplanned crash then has no ASan stack:
 * rerun with ASAN_OPTIONS=handle_segv=1 to get one.) A stack slot used after its function
 * returned is looked for too (off by default in clang 14). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
        return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:"
               "detect_stack_use_after_return=1";
}

/* A finding stops the program (the build also passes -fno-sanitize-recover) with the stack. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
        return "print_stacktrace=1:halt_on_error=1";
}

/* Same reason as for ASan; and the second stack of a lock-order report shows where the other
 * lock was taken. A race does not stop the program: it ends with status 66, after every
 * report. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
        return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:"
               "second_deadlock_stack=1";
}
