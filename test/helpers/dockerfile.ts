/**
 * Reads a Dockerfile and its ignore file the way the image tests check them (no Docker engine here to build
 * the images): instructions with continuation lines joined and comments dropped, `ARG` defaults resolved in
 * `FROM` images, the final stage's instructions, and an ignore file's rules.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  op: string;
  args: string;
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  /** Every `FROM`. */
  stages: Instruction[];
  /** The final stage, from its `FROM` on. */
  last: Instruction[];
  /** A `FROM` image with the `ARG` defaults substituted. */
  image(stage: Instruction): string;
}

/** Instructions with continuation lines joined and comments dropped. */
export function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

export function parseDockerfile(file: string): ParsedDockerfile {
  const ins = instructions(readFileSync(file, 'utf8'));
  const args = Object.fromEntries(
    ins
      .filter((i) => i.op === 'ARG' && i.args.includes('='))
      .map((i) => i.args.split('=') as [string, string]),
  );
  const stages = ins.filter((i) => i.op === 'FROM');
  return {
    instructions: ins,
    stages,
    last: ins.slice(ins.lastIndexOf(stages.at(-1)!)),
    image: (stage) =>
      stage.args
        .split(/\s+/)[0]!
        .replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string, b: string) => args[a ?? b] ?? ''),
  };
}

/** The sources of a COPY/ADD (flags and the destination left out). */
export function copySources(instruction: Instruction): string[] {
  return instruction.args
    .split(/\s+/)
    .filter((a) => !a.startsWith('--'))
    .slice(0, -1);
}

/** An ignore file's rules, comments and blank lines dropped. */
export function ignoreRules(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
