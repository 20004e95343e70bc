/**
 * `sockswrap completion bash|zsh|fish`: prints a completion script for that shell.
 *
 * The scripts are generated from the commander definitions of the run command and of `check`,
 * so an option added there is completed without an edit here. What an option's value is
 * (a proxy URL, a file, one of its choices) is the only thing said here, by the option's name.
 * After the program's name, completion is handed to the program's own completion.
 */
import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The proxy URL schemes -x takes (src/config/proxy-url.ts; a unit test parses each). */
export const URL_SCHEMES = ['socks5h://', 'socks5://', 'socks4a://', 'socks4://', 'http://', 'https://'];

type ValueKind = 'none' | 'url' | 'file' | 'choices' | 'any';

interface OptionSpec {
  short?: string;
  long: string;
  kind: ValueKind;
  choices: string[];
  repeatable: boolean;
  description: string;
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Words the command's first argument is one of (completion's shells, agent's stop). */
  words?: string[];
  /** Its first argument is a host:port (check). */
  target?: boolean;
  /** Subcommands, by their word (agent stop): the same spec, named "command word". */
  subcommands?: CommandSpec[];
}

export interface CompletionModel {
  options: OptionSpec[];
  commands: CommandSpec[];
}

const KIND_BY_LONG: Record<string, ValueKind> = { '--proxy': 'url', '--config': 'file', '--proxy-file': 'file' };
const HELP: OptionSpec = { short: '-h', long: '--help', kind: 'none', choices: [], repeatable: false, description: 'display help' };

/** The first clause of a description: completion menus have one short line per option. */
function brief(text: string): string {
  return text.split(/ \(|: | — |; |, overriding/)[0].trim();
}

function optionSpecs(command: Command): OptionSpec[] {
  const specs = command.options.filter((o) => o.long !== undefined).map((o): OptionSpec => {
    const takesValue = o.required || o.optional;
    const choices = o.argChoices ?? [];
    const kind: ValueKind = !takesValue ? 'none' : choices.length ? 'choices' : KIND_BY_LONG[o.long!] ?? 'any';
    // A repeatable option (-x) is one whose default is a list it appends to.
    return { short: o.short, long: o.long!, kind, choices, repeatable: Array.isArray(o.defaultValue), description: brief(o.description) };
  });
  return [...specs, HELP];
}

/** Shell mode's commands (docs/shell-mode.md), from their commander definitions. */
function shellModeCommands(): CommandSpec[] {
  const { buildOnCommand, buildOffCommand, buildStatusCommand } = require('./shell-commands') as typeof import('./shell-commands');
  const { buildAgentCommand, buildAgentStopCommand } = require('./agent-command') as typeof import('./agent-command');
  const spec = (name: string, c: Command): CommandSpec => ({ name, description: brief(c.description()), options: optionSpecs(c) });
  return [
    spec('on', buildOnCommand()),
    spec('off', buildOffCommand()),
    spec('status', buildStatusCommand()),
    { ...spec('agent', buildAgentCommand()), words: ['stop'], subcommands: [spec('agent stop', buildAgentStopCommand())] },
  ];
}

export function completionModel(program: Command, check: Command, serve?: Command): CompletionModel {
  return {
    options: optionSpecs(program),
    commands: [
      { name: 'check', description: brief(check.description()), options: optionSpecs(check), target: true },
      ...(serve ? [{ name: 'serve', description: brief(serve.description()), options: optionSpecs(serve) }] : []),
      ...shellModeCommands(),
      { name: 'completion', description: 'print a completion script for bash, zsh or fish', options: [HELP], words: [...SHELLS] },
    ],
  };
}

/** The word that names a subcommand: "agent stop" → "stop". */
const subWord = (c: CommandSpec) => c.name.split(' ').pop()!;

export function completionScript(shell: Shell, model: CompletionModel): string {
  switch (shell) {
    case 'bash': return bashScript(model);
    case 'zsh': return zshScript(model);
    case 'fish': return fishScript(model);
  }
}

// ---- bash ----------------------------------------------------------------------------------

function flagsOf(specs: OptionSpec[], pred: (s: OptionSpec) => boolean): string[] {
  return specs.filter(pred).flatMap((s) => (s.short ? [s.short, s.long] : [s.long]));
}

function bashValueCases(specs: OptionSpec[]): string {
  const lines: string[] = [];
  for (const s of specs.filter((o) => o.kind !== 'none')) {
    const pattern = (s.short ? [s.short, s.long] : [s.long]).join('|');
    const body = {
      url: `COMPREPLY=($(compgen -W "${URL_SCHEMES.join(' ')}" -- "$cur")); compopt -o nospace 2>/dev/null`,
      file: 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null',
      choices: `COMPREPLY=($(compgen -W "${s.choices.join(' ')}" -- "$cur"))`,
      any: 'COMPREPLY=()',
      none: '',
    }[s.kind];
    lines.push(`      ${pattern}) ${body}; return 0;;`);
  }
  return lines.join('\n');
}

function bashScript(m: CompletionModel): string {
  const valueFlags = flagsOf(m.options, (s) => s.kind !== 'none').join('|');
  const body = (c: CommandSpec, indent: string) =>
    `${indent}_sockswrap_value_${bashName(c.name)} "$prev" && return\n${indent}[[ $cur == -* ]] && COMPREPLY=($(compgen -W "${flagsOf(c.options, () => true).join(' ')}" -- "$cur"))\n${indent}return`;
  const commandCases = m.commands.map((c) => {
    const subs = (c.subcommands ?? []).map((sub) => `      if [[ $cword -gt 2 && \${words[2]} == ${subWord(sub)} ]]; then\n${body(sub, '        ')}\n      fi\n`).join('');
    const words = c.words ? `      [[ $cword -eq 2 && $cur != -* ]] && { _sockswrap_value_${bashName(c.name)} "$prev" || COMPREPLY=($(compgen -W "${c.words.join(' ')}" -- "$cur")); return; }\n` : '';
    return `    ${c.name})\n${subs}${words}${body(c, '      ')};;`;
  }).join('\n');
  const valueFunctions = [{ name: 'run', options: m.options }, ...m.commands.flatMap((c) => [c, ...(c.subcommands ?? [])])].map((c) =>
    `_sockswrap_value_${bashName(c.name)}() {\n  case $1 in\n${bashValueCases(c.options)}\n  esac\n  return 1\n}`).join('\n');
  return `# sockswrap completion for bash. Load it with:  eval "$(sockswrap completion bash)"
# or save it as ~/.local/share/bash-completion/completions/sockswrap
${valueFunctions}
_sockswrap() {
  local cur prev words cword i dashdash=
  if declare -F _get_comp_words_by_ref >/dev/null; then
    _get_comp_words_by_ref -n := cur prev words cword
  else
    words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=\${COMP_WORDS[COMP_CWORD]}; prev=\${COMP_WORDS[COMP_CWORD-1]}
  fi
  COMPREPLY=()
  if [[ $cword -gt 1 ]]; then
    case \${words[1]} in
${commandCases}
    esac
  fi
  # Where does the program start? Skip options, and the values of those that take one.
  i=1
  while [[ $i -lt $cword ]]; do
    case \${words[i]} in
      --) ((i++)); dashdash=1; break;;
      ${valueFlags || '--sockswrap-none'}) ((i+=2));;
      -*) ((i++));;
      *) break;;
    esac
  done
  if [[ $i -lt $cword ]]; then
    # Past the program's name: its own completion, when bash-completion is loaded.
    if declare -F _command_offset >/dev/null; then _command_offset "$i"; else COMPREPLY=($(compgen -f -- "$cur")); fi
    return
  fi
  [[ -z $dashdash ]] && _sockswrap_value_run "$prev" && { _sockswrap_colons; return; }
  if [[ -z $dashdash && $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${flagsOf(m.options, () => true).join(' ')}" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -c -- "$cur"))
  [[ $cword -eq 1 ]] && COMPREPLY+=($(compgen -W "${m.commands.map((c) => c.name).join(' ')}" -- "$cur"))
  return 0
}
# bash splits words at ':' (COMP_WORDBREAKS): a URL's reply must not repeat what precedes it.
_sockswrap_colons() {
  [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]] || return 0
  local prefix=\${cur%"\${cur##*:}"} k
  for k in "\${!COMPREPLY[@]}"; do COMPREPLY[k]=\${COMPREPLY[k]#"$prefix"}; done
}
complete -F _sockswrap sockswrap
`;
}

function bashName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

// ---- zsh -----------------------------------------------------------------------------------

function zshQuote(text: string): string {
  return text.replace(/'/g, `'\\''`).replace(/\[/g, '(').replace(/\]/g, ')').replace(/:/g, '\\:');
}

function zshSpecs(specs: OptionSpec[]): string[] {
  return specs.map((s) => {
    const names = s.short ? [s.short, s.long] : [s.long];
    const exclusion = s.repeatable ? `'*'` : `'(${names.join(' ')})'`;
    const value = s.kind === 'none' ? '' : {
      url: ':proxy URL:_sockswrap_urls',
      file: ':config file:_files',
      choices: `:${s.long.slice(2)}:(${s.choices.join(' ')})`,
      any: `:${s.long.slice(2)}: `,
    }[s.kind];
    const forms = s.kind === 'none' ? names : [...(s.short ? [`${s.short}+`] : []), `${s.long}=`];
    const formPart = forms.length > 1 ? `{${forms.join(',')}}` : forms[0];
    return `    ${exclusion}${formPart}'[${zshQuote(s.description)}]${value.replace(/'/g, `'\\''`)}'`;
  });
}

function zshScript(m: CompletionModel): string {
  const args = (c: CommandSpec, indent: string) => {
    const first = c.words ? `'1:${c.subcommands ? 'command' : 'shell'}:(${c.words.join(' ')})'` : c.target ? `'1:target (host\\:port): '` : '';
    const lines = [...zshSpecs(c.options).map((l) => `${indent}${l.trimStart()}`), ...(first ? [`${indent}${first}`] : [])];
    return `${indent.slice(2)}_arguments -s -S \\\n${lines.join(' \\\n')}`;
  };
  const commandCases = m.commands.map((c) => {
    const subs = (c.subcommands ?? []).map((sub) =>
      `        if (( CURRENT > 2 )) && [[ $words[2] == ${subWord(sub)} ]]; then\n          shift words; (( CURRENT-- ))\n${args(sub, '            ')}\n          return\n        fi\n`).join('');
    return `      ${c.name})\n        shift words; (( CURRENT-- ))\n${subs}${args(c, '          ')}\n        return;;`;
  }).join('\n');
  return `#compdef sockswrap
# sockswrap completion for zsh. Load it with:  source <(sockswrap completion zsh)
# or save it as _sockswrap in a directory of $fpath.
_sockswrap() {
  if (( CURRENT > 2 )); then
    case $words[2] in
${commandCases}
    esac
  fi
  _arguments -s -S \\
${zshSpecs(m.options).map((l) => `${l} \\`).join('\n')}
    '1: :_sockswrap_first' \\
    '*:: :_normal'
}
# A URL goes on after its scheme: no space after it.
_sockswrap_urls() {
  compadd -S '' -- ${URL_SCHEMES.join(' ')}
}
_sockswrap_first() {
  _alternative 'commands:sockswrap command:(${m.commands.map((c) => c.name).join(' ')})' 'programs:program:_command_names -e'
}
if [[ $funcstack[1] == _sockswrap ]]; then
  _sockswrap "$@"
else
  compdef _sockswrap sockswrap
fi
`;
}

// ---- fish ----------------------------------------------------------------------------------

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishLines(specs: OptionSpec[], state: string): string[] {
  return specs.map((s) => {
    const parts = ['complete -c sockswrap', `-n '__sockswrap_state_is ${state}'`];
    if (s.short) parts.push(`-s ${s.short.slice(1)}`);
    parts.push(`-l ${s.long.slice(2)}`);
    if (s.kind === 'url') parts.push('-x', `-a ${fishQuote(URL_SCHEMES.join(' '))}`);
    else if (s.kind === 'file') parts.push('-r', '-F');
    else if (s.kind === 'choices') parts.push('-x', `-a ${fishQuote(s.choices.join(' '))}`);
    else if (s.kind === 'any') parts.push('-x');
    parts.push(`-d ${fishQuote(s.description)}`);
    return parts.join(' ');
  });
}

function fishScript(m: CompletionModel): string {
  const valueFlags = flagsOf(m.options, (s) => s.kind !== 'none').join(' ');
  const commandLines = m.commands.flatMap((c) => [
    ...fishLines(c.options, c.name),
    ...(c.words ? [`complete -c sockswrap -n '__sockswrap_state_is ${c.name}' -x -a ${fishQuote(c.words.join(' '))}`] : []),
    ...(c.subcommands ?? []).flatMap((sub) => fishLines(sub.options, bashName(sub.name))),
  ]);
  const subcommandStates = m.commands.flatMap((c) => (c.subcommands ?? []).map((sub) =>
    `        if test $n -ge 3; and test $tokens[2] = ${c.name}; and test $tokens[3] = ${subWord(sub)}\n            echo ${bashName(sub.name)}\n            return\n        end\n`)).join('');
  return `# sockswrap completion for fish. Load it with:  sockswrap completion fish | source
# or save it as ~/.config/fish/completions/sockswrap.fish
# __sockswrap_state prints what the word being completed is: first (a command, a program or an
# option), run (a program or an option), program (after --), args N (the program's arguments,
# from token N), or the subcommand's name.
function __sockswrap_state
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    if test $n -ge 2; and contains -- $tokens[2] ${m.commands.map((c) => c.name).join(' ')}
${subcommandStates}        echo $tokens[2]
        return
    end
    set -l i 2
    while test $i -le $n
        switch $tokens[$i]
            case --
                if test $i -lt $n
                    echo args (math $i + 1)
                else
                    echo program
                end
                return
            case ${valueFlags || '--sockswrap-none'}
                set i (math $i + 2)
            case '-*'
                set i (math $i + 1)
            case '*'
                echo args $i
                return
        end
    end
    if test $n -eq 1
        echo first
    else
        echo run
    end
end
function __sockswrap_state_is
    set -l state (__sockswrap_state)
    contains -- (string split ' ' -- $state)[1] $argv
end
# The program's own completions, for the words from its name on.
function __sockswrap_program_args
    set -l from (string split ' ' -- (__sockswrap_state))[2]
    set -l tokens (commandline -opc)
    complete -C (string join ' ' -- (string escape -- $tokens[$from..-1]) (commandline -ct))
end
complete -c sockswrap -f
${fishLines(m.options, 'first run').join('\n')}
complete -c sockswrap -n '__sockswrap_state_is first' -a ${fishQuote(m.commands.map((c) => c.name).join(' '))}
complete -c sockswrap -n '__sockswrap_state_is first run program' -a '(__fish_complete_command)'
complete -c sockswrap -n '__sockswrap_state_is args' -a '(__sockswrap_program_args)'
${commandLines.join('\n')}
`;
}

/** `sockswrap completion SHELL`: the script on stdout, exit 0; a bad or missing shell: exit 2. */
export function runCompletion(args: string[], model: () => CompletionModel): number {
  const [shell, ...rest] = args;
  if (shell === '-h' || shell === '--help') {
    process.stdout.write(`Usage: sockswrap completion bash|zsh|fish\n\nPrints a completion script. Load it with:\n` +
      `  bash: eval "$(sockswrap completion bash)"\n  zsh:  source <(sockswrap completion zsh)\n  fish: sockswrap completion fish | source\n`);
    return 0;
  }
  if (!(SHELLS as readonly string[]).includes(shell) || rest.length > 0) {
    process.stderr.write(`sockswrap: completion: expected one of ${SHELLS.join(', ')}${shell === undefined ? '' : `, got ${JSON.stringify([shell, ...rest].join(' '))}`}\n`);
    return 2;
  }
  process.stdout.write(completionScript(shell as Shell, model()));
  return 0;
}
