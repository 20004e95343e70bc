/* core/ignored-signals.c: the signals the launcher's own parent ignored (nohup, a script's
 * background job), put back for the program. */
#ifndef SOCKSWRAP_IGNORED_SIGNALS_H
#define SOCKSWRAP_IGNORED_SIGNALS_H

/* Node resets every signal to its default when it starts, and again in each child it spawns, so a
 * program run by the launcher would lose what `nohup sockswrap -- prog` asked for. bin/sockswrap
 * reads its SigIgn mask before node starts and the launcher passes it on, once, as
 * SOCKSWRAP_SIGIGN (hex, as /proc shows it): this ignores those signals (1..31, never SIGKILL or
 * SIGSTOP) and removes the variable, so only the image the launcher started applies it. */
void sw_restore_ignored_signals(void);

/* Is this process in its terminal's foreground process group? A terminal sends Ctrl-C (SIGINT),
 * Ctrl-\ (SIGQUIT) and SIGWINCH to that whole group, so a parent in it must not pass them on
 * to a child in it too. Async-signal-safe. */
int sw_in_terminal_foreground(void);

#endif
