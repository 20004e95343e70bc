/* core/ignored-signals.c: the signals the launcher's own parent ignored (nohup, a script's
 * background job), put back for the program. */
#ifndef SOCKSWRAP_IGNORED_SIGNALS_H
#define SOCKSWRAP_IGNORED_SIGNALS_H

/* Node resets every signal to its default when it starts, and again in each child it spawns, so a
 * program run by the launcher would lose what `nohup sockswrap -- prog` asked for. bin/sockswrap
 * reads its SigIgn mask before node starts and the launcher passes it on, once, as
 * SOCKSWRAP_SIGIGN (hex, as /proc shows it). */

/* The mask (bit n-1: signal n, 1..31), 0 when there is none. */
unsigned long sw_ignored_signals(void);
/* Ignores those signals (never SIGKILL or SIGSTOP) and removes the variable, so only the image
 * the launcher started applies it: the program's first image, before its main. */
void sw_restore_ignored_signals(void);

#endif
