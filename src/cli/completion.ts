/**
 * Shell completion scripts for bash, zsh and fish, written from the program's own command tree, so they
 * never drift from the commands and flags that exist. Static: a tab press runs no Node process.
 */
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  /** Command words from the top, e.g. ['db', 'replicate']. */
  path: string[];
  subcommands: string[];
  /** Long flags (and short ones) this command and the global options take. */
  flags: string[];
  /** Flags that take a value (the next word is not a command). */
  valued: string[];
}

function optionFlags(options: readonly Option[]): { flags: string[]; valued: string[] } {
  const flags: string[] = [];
  const valued: string[] = [];
  for (const option of options) {
    const names = [option.long, option.short].filter((n): n is string => Boolean(n));
    flags.push(...names);
    if (option.required || option.optional) valued.push(...names);
  }
  return { flags, valued };
}

function walk(command: Command, path: string[], global: readonly Option[], out: Node[]): void {
  const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const inherited = path.length > 0 ? global.filter((o) => o.long !== '--version') : [];
  const { flags, valued } = optionFlags([...command.options, ...inherited]);
  out.push({ path, subcommands: visible.map((c) => c.name()), flags: [...flags, '--help'], valued });
  for (const sub of visible) walk(sub, [...path, sub.name()], global, out);
}

function tree(program: Command): Node[] {
  const out: Node[] = [];
  walk(program, [], program.options, out);
  return out;
}

const quote = (words: readonly string[]) => words.join(' ');

function bash(program: Command): string {
  const nodes = tree(program);
  const name = program.name();
  // A flag that takes a value in one command but not in another cannot tell the walk to skip a word.
  const boolean = new Set(nodes.flatMap((n) => n.flags.filter((f) => !n.valued.includes(f))));
  const valued = [...new Set(nodes.flatMap((n) => n.valued))].filter((f) => !boolean.has(f));
  const cases = nodes
    .map((n) => `    "${n.path.join(' ')}") words="${quote([...n.subcommands, ...n.flags])}" ;;`)
    .join('\n');
  return `# ${name} completion for bash (source it, or save it under /etc/bash_completion.d/${name})
_${name.replace(/-/g, '_')}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path="" i w words
  case " ${quote(valued)} " in *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case " ${quote(valued)} " in *" $w "*) i=$((i + 1)); continue ;; esac
    [[ $w == -* ]] || path="\${path:+$path }$w"
  done
  case "$path" in
${cases}
    *) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _${name.replace(/-/g, '_')} ${name}
`;
}

function zsh(program: Command): string {
  return `#compdef ${program.name()}
# ${program.name()} completion for zsh: the bash completion through zsh's bashcompinit
autoload -U +X bashcompinit && bashcompinit
${bash(program).split('\n').slice(1).join('\n')}`;
}

function fish(program: Command): string {
  const name = program.name();
  const lines = [`# ${name} completion for fish (save as ~/.config/fish/completions/${name}.fish)`];
  for (const node of tree(program)) {
    const deeper =
      node.subcommands.length > 0 ? `; and not __fish_seen_subcommand_from ${quote(node.subcommands)}` : '';
    const condition =
      node.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${node.path[node.path.length - 1]}${deeper}`;
    if (node.subcommands.length > 0)
      lines.push(`complete -c ${name} -f -n '${condition}' -a '${quote(node.subcommands)}'`);
    for (const flag of node.flags.filter((f) => f.startsWith('--')))
      lines.push(`complete -c ${name} -n '${condition}' -l ${flag.slice(2)}`);
  }
  return `${[...new Set(lines)].join('\n')}\n`;
}

/** The completion script for `shell`, covering every command and flag of `program`. */
export function completionScript(program: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](program);
}
