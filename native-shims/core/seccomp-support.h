/* core/seccomp-support.c: does this kernel have what the seccomp supervisor needs (docs/seccomp.md)?
 * Asked by the launcher (through libsockswrap-check.so) and by the exec hook before they hand a
 * program LD_PRELOAD cannot reach to the exec helper instead of refusing it. System calls only:
 * safe in a vfork child. */
#ifndef SOCKSWRAP_SECCOMP_SUPPORT_H
#define SOCKSWRAP_SECCOMP_SUPPORT_H

/* NULL when everything is there, else the name of the first missing kernel feature, as the
 * refusal message shows it ("SECCOMP_RET_USER_NOTIF (Linux 5.0)", "pidfd_getfd (Linux 5.6)"). */
const char *sw_seccomp_missing(void);

#endif
