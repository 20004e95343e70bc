/* core/fd-guard.c: the shim's own descriptors survive the program's close/close_range/dup2. */
#ifndef SOCKSWRAP_FD_GUARD_H
#define SOCKSWRAP_FD_GUARD_H

/* Moves fd to a high number with FD_CLOEXEC and remembers that *slot holds it, so a dup2 onto it
 * can move it away and update *slot. Returns the new fd, or -1 (fd closed) on failure. */
int fdguard_adopt(int fd, _Atomic int *slot);
/* Closes the descriptor in *slot (if any) and forgets it; *slot becomes -1. */
void fdguard_release(_Atomic int *slot);
/* The descriptor in *from is now kept in *to (*from becomes -1): a connection handed over. */
void fdguard_move(_Atomic int *from, _Atomic int *to);
int fdguard_is_shim_fd(int fd);
/* Before the program's dup2/dup3 replaces fd: if it is ours, it moves and its owner is told. */
void fdguard_evacuate(int fd);
/* close_range(first, last, flags) on every sub-range that holds no shim fd (real close_range). */
int fdguard_close_range(unsigned int first, unsigned int last, int flags);
/* closefrom's fallback without close_range: closes every fd from lowfd but the shim's. */
void fdguard_close_from(int lowfd);
/* Grows the kernel's descriptor table to our numbers while the process has one thread (the
 * constructor): later, with threads, growing it costs an RCU grace period. */
void fdguard_reserve_table(void);
/* In a fork child: the parent's shim descriptors are copies the child must not use. */
void fdguard_forget_all_after_fork(void);

#endif
