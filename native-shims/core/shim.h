/* libsockswrap, the LD_PRELOAD shim, in layers that call only downward (docs/architecture.md):
 * core/ (libc, environment, descriptors, agent connection, wire, addresses, deadlines) < paths/
 * (relay, dial, async, udp) < hooks/ (the exported functions). Each concern has its own header;
 * this one holds only what marks a hook. The build checks the layering (check-layers.sh). */
#ifndef SOCKSWRAP_SHIM_H
#define SOCKSWRAP_SHIM_H

/* Everything is hidden except the hooks, so the shim never interposes on anything by accident. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* A hook that must end in a tail call, so the real function runs with the caller's return address
 * (glibc's dlsym computes RTLD_NEXT from it, dlopen the caller's RUNPATH and namespace). clang can
 * be told to; GCC makes one at -O2 for a return of a call whose arguments live in registers and
 * with no address-taken locals (test/e2e/hostile-calls.test.ts checks both from outside). */
#if defined(__has_attribute)
#if __has_attribute(musttail)
#define SW_MUSTTAIL __attribute__((musttail))
#endif
#endif
#ifndef SW_MUSTTAIL
#define SW_MUSTTAIL
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define SW_SIBCALLS __attribute__((optimize("optimize-sibling-calls")))
#else
#define SW_SIBCALLS
#endif

#endif
