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
function sq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word (fish escapes \ and ' inside single quotes). */
function fq(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export function onCode(kind: ShellKind, preload: string, vars: Record<string, string>): string {
  const names = Object.keys(vars).sort();
  if (kind === 'fish') {
    return [
      `if not set -q ${SHELL_SAVED_VAR}; if set -q LD_PRELOAD; set -gx ${SHELL_SAVED_VAR} "set:$LD_PRELOAD"; else; set -gx ${SHELL_SAVED_VAR} unset; end; end`,
      `if string match -q -- 'set:?*' "$${SHELL_SAVED_VAR}"; set -gx LD_PRELOAD ${fq(preload)}:(string sub -s 5 -- "$${SHELL_SAVED_VAR}"); else; set -gx LD_PRELOAD ${fq(preload)}; end`,
      ...names.map((k) => `set -gx ${k} ${fq(vars[k]!)}`),
      '',
    ].join('\n');
  }
  return [
    `if [ -z "\${${SHELL_SAVED_VAR}+x}" ]; then if [ -n "\${LD_PRELOAD+x}" ]; then ${SHELL_SAVED_VAR}="set:$LD_PRELOAD"; else ${SHELL_SAVED_VAR}=unset; fi; fi`,
    `case "$${SHELL_SAVED_VAR}" in set:?*) LD_PRELOAD=${sq(preload)}:"\${${SHELL_SAVED_VAR}#set:}";; *) LD_PRELOAD=${sq(preload)};; esac`,
    `export ${SHELL_SAVED_VAR} LD_PRELOAD`,
    ...names.map((k) => `${k}=${sq(vars[k]!)}; export ${k}`),
    '',
  ].join('\n');
}

export function offCode(kind: ShellKind): string {
  const names = [SHELL_SAVED_VAR, ...SHIM_VARS].join(' ');
  if (kind === 'fish') {
    return [
      `if set -q ${SHELL_SAVED_VAR}; if string match -q -- 'set:*' "$${SHELL_SAVED_VAR}"; set -gx LD_PRELOAD (string sub -s 5 -- "$${SHELL_SAVED_VAR}"); else; set -e LD_PRELOAD; end; end`,
      `set -e ${names}`,
      '',
    ].join('\n');
  }
  return [
    `if [ -n "\${${SHELL_SAVED_VAR}+x}" ]; then case "$${SHELL_SAVED_VAR}" in set:*) LD_PRELOAD="\${${SHELL_SAVED_VAR}#set:}"; export LD_PRELOAD;; *) unset LD_PRELOAD;; esac; fi`,
    `unset ${names}`,
    '',
  ].join('\n');
}
