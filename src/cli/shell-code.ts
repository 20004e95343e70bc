/**
 * The shell code `sockswrap on` and `off` print (docs/shell-mode.md). The LD_PRELOAD the shell had
 * before the first `on` is kept in SOCKSWRAP_SHELL_SAVED: "set:VALUE" when it was set
 * (perhaps empty), "unset" when it was not. (Not a leading "=": zsh expands =word.) `on` again (another configuration, or a repair after the agent
 * died) keeps that first value and rebuilds LD_PRELOAD from it, so nothing is preloaded twice;
 * `off` puts it back exactly and unsets every variable `on` set.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SHELL_SAVED_VAR, SHIM_VARS } from './agent-state';

/** The trampoline directory `on` put first on PATH (shell-trampolines.ts), for `off` and the next `on`. */
export const SHELL_PATH_VAR = 'SOCKSWRAP_SHELL_PATH';

/**
 * POSIX: takes $SOCKSWRAP_SHELL_PATH out of PATH (its first place; PATH otherwise exactly as it
 * is, empty entries included) and unsets it. Nothing but parameter expansion: no command runs.
 */
const posixPathOut = [
  `if [ -n "\${${SHELL_PATH_VAR}+x}" ]; then case ":\${PATH-}:" in *":$${SHELL_PATH_VAR}:"*)`,
  ` SOCKSWRAP_SHELL_P=":$PATH:"; SOCKSWRAP_SHELL_P="\${SOCKSWRAP_SHELL_P%%":$${SHELL_PATH_VAR}:"*}:\${SOCKSWRAP_SHELL_P#*":$${SHELL_PATH_VAR}:"}";`,
  ` SOCKSWRAP_SHELL_P="\${SOCKSWRAP_SHELL_P#:}"; PATH="\${SOCKSWRAP_SHELL_P%:}"; unset SOCKSWRAP_SHELL_P;; esac; unset ${SHELL_PATH_VAR}; fi`,
].join('');
const fishPathOut = `if set -q ${SHELL_PATH_VAR}; if set -l i (contains -i -- $${SHELL_PATH_VAR} $PATH); set -e PATH[$i]; end; set -e ${SHELL_PATH_VAR}; end`;
/** The shell forgets where it found programs (bash, dash, zsh, ksh hash them): PATH changed. */
const posixRehash = 'hash -r 2>/dev/null || :';

export type ShellKind = 'posix' | 'fish';

/** --shell values: bash, zsh, dash, sh, ksh (all POSIX syntax here) and fish. */
export const SHELL_NAMES: Record<string, ShellKind> = { bash: 'posix', zsh: 'posix', dash: 'posix', sh: 'posix', ksh: 'posix', mksh: 'posix', posix: 'posix', fish: 'fish' };

/**
 * --shell, else the shell that runs us (`eval "$(sockswrap on)"` runs it from a subshell of the
 * user's shell; `sockswrap on | source` from fish itself), else $SHELL, else POSIX. The parent
 * comes first: a zsh started from a fish login has SHELL=…/fish.
 */
export function detectShell(env: NodeJS.ProcessEnv = process.env): ShellKind {
  let parent: string | undefined;
  try {
    parent = readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
  } catch { /* no /proc */ }
  if (parent !== undefined && SHELL_NAMES[parent] !== undefined) return SHELL_NAMES[parent]!;
  const login = env.SHELL ? basename(env.SHELL) : '';
  return SHELL_NAMES[login] ?? 'posix';
}

/** A POSIX single-quoted word. */
export function sq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word (fish escapes \ and ' inside single quotes). */
function fq(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** pathDir: the trampolines for static and Go programs on PATH (shell-trampolines.ts), first on PATH. */
export function onCode(kind: ShellKind, preload: string, vars: Record<string, string>, pathDir?: string): string {
  const names = Object.keys(vars).sort();
  if (kind === 'fish') {
    return [
      fishPathOut,
      ...(pathDir ? [`set -gx PATH ${fq(pathDir)} $PATH; set -gx ${SHELL_PATH_VAR} ${fq(pathDir)}`] : []),
      `if not set -q ${SHELL_SAVED_VAR}; if set -q LD_PRELOAD; set -gx ${SHELL_SAVED_VAR} "set:$LD_PRELOAD"; else; set -gx ${SHELL_SAVED_VAR} unset; end; end`,
      `if string match -q -- 'set:?*' "$${SHELL_SAVED_VAR}"; set -gx LD_PRELOAD ${fq(preload)}:(string sub -s 5 -- "$${SHELL_SAVED_VAR}"); else; set -gx LD_PRELOAD ${fq(preload)}; end`,
      ...names.map((k) => `set -gx ${k} ${fq(vars[k]!)}`),
      // fish 3.6 leaves status 1 after the LD_PRELOAD-unset branch of the nested if above, which
      // `sockswrap on | source` would report: end on a plain success.
      'true',
      '',
    ].join('\n');
  }
  return [
    `if [ -z "\${${SHELL_SAVED_VAR}+x}" ]; then if [ -n "\${LD_PRELOAD+x}" ]; then ${SHELL_SAVED_VAR}="set:$LD_PRELOAD"; else ${SHELL_SAVED_VAR}=unset; fi; fi`,
    `case "$${SHELL_SAVED_VAR}" in set:?*) LD_PRELOAD=${sq(preload)}:"\${${SHELL_SAVED_VAR}#set:}";; *) LD_PRELOAD=${sq(preload)};; esac`,
    `export ${SHELL_SAVED_VAR} LD_PRELOAD`,
    ...names.map((k) => `${k}=${sq(vars[k]!)}; export ${k}`),
    posixPathOut,
    ...(pathDir ? [`if [ -n "\${PATH:+x}" ]; then PATH=${sq(pathDir)}:"$PATH"; ${SHELL_PATH_VAR}=${sq(pathDir)}; export ${SHELL_PATH_VAR}; fi`] : []),
    posixRehash,
    '',
  ].join('\n');
}

export function offCode(kind: ShellKind): string {
  const names = [SHELL_SAVED_VAR, ...SHIM_VARS].join(' ');
  if (kind === 'fish') {
    return [
      `if set -q ${SHELL_SAVED_VAR}; if string match -q -- 'set:*' "$${SHELL_SAVED_VAR}"; set -gx LD_PRELOAD (string sub -s 5 -- "$${SHELL_SAVED_VAR}"); else; set -e LD_PRELOAD; end; end`,
      fishPathOut,
      `set -e ${names}`,
      '',
    ].join('\n');
  }
  return [
    posixPathOut,
    `if [ -n "\${${SHELL_SAVED_VAR}+x}" ]; then case "$${SHELL_SAVED_VAR}" in set:*) LD_PRELOAD="\${${SHELL_SAVED_VAR}#set:}"; export LD_PRELOAD;; *) unset LD_PRELOAD;; esac; fi`,
    `unset ${names}`,
    posixRehash,
    '',
  ].join('\n');
}
