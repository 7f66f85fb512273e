/**
 * The files a command reads or writes by name, which live on the operator's machine while the command runs in
 * a task: a saved plan or reviewed schema it applies (inputs: aws run uploads them and the task reads them
 * from the run's folder), and the plan, schema, import CSV or cost report it writes (outputs: the task writes
 * them back and aws run brings them to the path the operator named, mode 0600). In the task's command each
 * such path becomes one in the task's working folder (`inputs/<name>`, `outputs/<name>`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { RUN_FILES } from './run-contract.ts';
import { commandWords } from './run-task-request.ts';

interface FileArg {
  /** The command's words, e.g. `db schema`. */
  command: string;
  flag: string;
  direction: 'input' | 'output';
  /** The path the command writes when the flag is not given (and none of `unless` is). */
  default?: string;
  /** Flags, negated ones included (`--no-csv`), with which the command writes nothing at the default path. */
  unless?: string[];
  /** A folder of files (the migrations), uploaded file by file. @default a file */
  folder?: boolean;
}

const FILE_ARGS: readonly FileArg[] = [
  {
    command: 'db schema',
    flag: '--out',
    direction: 'output',
    default: 'supa2aws-schema.sql',
    unless: ['--apply-file'],
  },
  { command: 'db schema', flag: '--apply-file', direction: 'input' },
  { command: 'db schema', flag: '--from-dump', direction: 'input' },
  { command: 'db schema', flag: '--from-migrations', direction: 'input', folder: true },
  { command: 'storage plan', flag: '--out', direction: 'output' },
  { command: 'storage copy', flag: '--plan', direction: 'input' },
  { command: 'auth plan', flag: '--out', direction: 'output' },
  { command: 'auth import', flag: '--plan', direction: 'input' },
  {
    command: 'auth import',
    flag: '--csv',
    direction: 'output',
    default: 'supa2aws-auth-import.csv',
    unless: ['--no-csv', '--dry-run'],
  },
  { command: 'cost', flag: '--markdown', direction: 'output' },
  { command: 'cost', flag: '--svg', direction: 'output' },
];

/**
 * A file of the run: its path on the operator's machine and its name in the run's folder (`<name>`, or
 * `<folder>/<name>` for a folder's files).
 */
export interface RunFile {
  local: string;
  name: string;
  /** The path as the command named it, which the task's own messages name as `inputs/<name>` or `outputs/<name>`. */
  given: string;
}

export interface RunFileArgs {
  /** The command as the task runs it: each file's path replaced by its place in the task's working folder. */
  command: string[];
  inputs: RunFile[];
  outputs: RunFile[];
}

/**
 * The task's text with its working-folder paths (`inputs/<name>`, `outputs/<name>`) back to the paths the
 * operator named, so its messages ("plan saved to …; apply it with --plan …") hold here. In JSON the paths are
 * written as JSON strings.
 */
export function localPaths(
  text: string,
  files: Pick<RunFileArgs, 'inputs' | 'outputs'>,
  json: boolean,
): string {
  let out = text;
  const swap = (inTask: string, given: string) => {
    out = out.replaceAll(inTask, json ? JSON.stringify(given).slice(1, -1) : given);
  };
  for (const f of files.inputs) swap(`${RUN_FILES.inputs}${f.name}`, f.given);
  for (const f of files.outputs) swap(`${RUN_FILES.outputs}${f.name}`, f.given);
  return out;
}

/** The command's file arguments moved into the run (see the module comment). */
export function runFileArgs(command: readonly string[], cwd: string = process.cwd()): RunFileArgs {
  const words = commandWords(command);
  // The command's own words only: after them come flag values (`cost --markdown cost.md`).
  const args = FILE_ARGS.filter((a) => words.slice(0, a.command.split(' ').length).join(' ') === a.command);
  const out: RunFileArgs = { command: [...command], inputs: [], outputs: [] };
  const given = (flag: string) => out.command.some((a) => a === flag || a.startsWith(`${flag}=`));
  for (const arg of args) {
    const files = arg.direction === 'input' ? out.inputs : out.outputs;
    const folder = arg.direction === 'input' ? RUN_FILES.inputs : RUN_FILES.outputs;
    const at = out.command.findIndex((a) => a === arg.flag || a.startsWith(`${arg.flag}=`));
    const inline = at >= 0 && out.command[at] !== arg.flag;
    const fallback = arg.unless?.some(given) ? undefined : arg.default;
    const value =
      at < 0 ? fallback : inline ? out.command[at]!.slice(arg.flag.length + 1) : out.command[at + 1];
    if (value === undefined || value.startsWith('-')) continue;
    const name = uniqueName(path.basename(value), [...out.inputs, ...out.outputs]);
    const inTask = `${folder}${name}`;
    if (at < 0) out.command.push(arg.flag, inTask);
    else if (inline) out.command[at] = `${arg.flag}=${inTask}`;
    else out.command[at + 1] = inTask;
    const local = path.resolve(cwd, value);
    if (arg.direction === 'output') files.push({ local, name, given: value });
    else if (!arg.folder) files.push({ local: readable(local, arg, 'file'), name, given: value });
    else {
      for (const entry of readdirSync(readable(local, arg, 'folder'), { withFileTypes: true }))
        if (entry.isFile())
          files.push({
            local: path.join(local, entry.name),
            name: `${name}/${entry.name}`,
            given: path.join(value, entry.name),
          });
      // `--seed` reads seed.sql beside the migrations folder: it goes beside it in the task too.
      const seed = path.join(local, '..', 'seed.sql');
      if (given('--seed') && existsSync(seed))
        files.push({ local: seed, name: 'seed.sql', given: path.join(value, '..', 'seed.sql') });
    }
  }
  return out;
}

function uniqueName(name: string, taken: readonly RunFile[]): string {
  let candidate = name;
  for (let i = 2; taken.some((f) => f.name === candidate); i++) candidate = `${i}-${name}`;
  return candidate;
}

function readable(file: string, arg: FileArg, kind: 'file' | 'folder'): string {
  if (existsSync(file) && (kind === 'file' ? statSync(file).isFile() : statSync(file).isDirectory()))
    return file;
  throw new ConfigError('AWS_RUN_INPUT_MISSING', `${arg.flag} names ${file}, which is not a ${kind} here`, {
    exit: 'usage',
    details: { file },
    hint: `aws run uploads the ${kind} ${arg.flag} names from this machine: pass the path of the ${kind} \`${arg.command}\` is to read.`,
  });
}
