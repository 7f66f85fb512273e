/**
 * The guide names only what exists. Every TypeScript block type-checks against the runtime the app imports
 * (`@supa2aws/runtime/*`, mapped to packages/runtime/src as in tsconfig.json); every AWS block uses stack names,
 * outputs, resources and CDK context keys that the synthesized templates and infra/lib/context.ts have; every
 * `$VAR` a block expands is set by a command before it; and the variables guide 05 says the tasks get are the
 * task definitions' own. The templates come from the same synth as the infra tests (default settings).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import ts from 'typescript';
import { settingsFromContext } from '../../infra/lib/context.ts';
import { logicalId, synth } from '../../infra/test/helpers.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import {
  assignedNames,
  expandedNames,
  GUIDE_DIR,
  guideBlocks,
  guideFiles,
  guideText,
  REPO_ROOT,
  shellLines,
  type Block,
} from '../helpers/guide-blocks.ts';

const blocks = guideBlocks();
const where = (b: Block, offset = 0) => `${b.file}:${b.line + offset}`;

/** Variables a reader's shell has without the guide setting them. */
const SHELL_VARIABLES = new Set(['HOME', 'PATH', 'PWD', 'USER', 'SHELL']);
/** What the guide's e2e test gives every sandbox block (test/e2e/guide.test.ts). */
const SANDBOX_VARIABLES = new Set(['SUPA2AWS_SANDBOX_DIR']);

describe('the guide: every $VAR is set by a command before it is used', () => {
  it('GIVEN the aws blocks read in order as one shell session WHEN each line expands a variable THEN an earlier line set it', () => {
    const set = new Set(SHELL_VARIABLES);
    const unset: string[] = [];
    for (const block of blocks.filter((b) => b.lang === 'bash' && b.kind === 'aws')) {
      for (const { text, offset } of shellLines(block.code)) {
        for (const name of expandedNames(text))
          if (!set.has(name)) unset.push(`${where(block, offset)} $${name}`);
        for (const name of assignedNames(text)) set.add(name);
      }
    }
    assert.deepEqual(unset, []);
  });

  it('GIVEN each sandbox block runs in a shell of its own WHEN it expands a variable THEN the block set it', () => {
    const unset: string[] = [];
    for (const block of blocks.filter((b) => b.lang === 'bash' && b.kind === 'sandbox')) {
      const set = new Set([...SHELL_VARIABLES, ...SANDBOX_VARIABLES]);
      for (const { text, offset } of shellLines(block.code)) {
        for (const name of expandedNames(text))
          if (!set.has(name)) unset.push(`${where(block, offset)} $${name}`);
        for (const name of assignedNames(text)) set.add(name);
      }
    }
    assert.deepEqual(unset, []);
  });
});

describe('the guide: AWS blocks name only stacks, outputs and settings the templates have', () => {
  let stacks: Map<string, { outputs: Set<string>; resources: Map<string, string> }>;
  /** The backend's API and worker containers' variables. */
  let containerVariables: Set<string>;
  let appSecretKeys: string[];
  let budgetUsd: number;
  const contextKeys = new Set<string>();
  const awsBlocks = blocks.filter((b) => b.lang === 'bash' && b.kind === 'aws');

  before(() => {
    const s = synth({ nag: false });
    stacks = new Map();
    containerVariables = new Set();
    for (const stack of Object.values(s.stacks)) {
      const template = s.assembly.getStackByName(stack.stackName).template as {
        Outputs?: Record<string, unknown>;
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      };
      stacks.set(stack.stackName, {
        outputs: new Set(Object.keys(template.Outputs ?? {}).filter((k) => !k.startsWith('ExportsOutput'))),
        resources: new Map(Object.entries(template.Resources).map(([id, r]) => [id, r.Type])),
      });
      // Guide 05 is about the backend's tasks (the migration stack's task is guide 03's).
      for (const r of stack === s.stacks.backend ? Object.values(template.Resources) : []) {
        if (r.Type !== 'AWS::ECS::TaskDefinition') continue;
        const containers = r.Properties?.ContainerDefinitions as Array<{
          Environment?: Array<{ Name: string }>;
          Secrets?: Array<{ Name: string }>;
        }>;
        for (const c of containers)
          for (const v of [...(c.Environment ?? []), ...(c.Secrets ?? [])]) containerVariables.add(v.Name);
      }
    }
    const backend = s.template('backend').toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const appSecret = backend.Resources[logicalId(s.stacks.backend.appSecret)];
    const generate = appSecret?.Properties.GenerateSecretString as { SecretStringTemplate: string };
    appSecretKeys = Object.keys(JSON.parse(generate.SecretStringTemplate) as object);
    const budget = Object.values(
      (
        s.template('budget').toJSON() as {
          Resources: Record<string, { Properties: Record<string, unknown> }>;
        }
      ).Resources,
    )[0]!.Properties.Budget as { BudgetLimit: { Amount: number } };
    budgetUsd = budget.BudgetLimit.Amount;
    settingsFromContext((key) => {
      contextKeys.add(key);
      return undefined;
    });
  });

  /** Each shell line of each aws block, continuations joined. */
  const commands = () =>
    awsBlocks.flatMap((b) => shellLines(b.code).map(({ text, offset }) => ({ text, at: where(b, offset) })));

  it('GIVEN the synthesized app WHEN a block names a stack THEN the app has a stack of that name', () => {
    const unknown = commands().flatMap(({ text, at }) =>
      [...text.matchAll(/\bAiuteur-[A-Z][A-Za-z]*\b/g)]
        .map((m) => m[0])
        .filter((name) => !stacks.has(name))
        .map((name) => `${at} ${name}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('GIVEN --stack-name and an OutputKey query, or a jq path into an outputs file WHEN read THEN that stack has that output', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { text, at } of commands()) {
      const stack = /--stack-name\s+"?([\w-]+)"?/.exec(text)?.[1];
      for (const m of text.matchAll(/OutputKey=='(\w+)'/g)) {
        checked++;
        if (!stack || !stacks.get(stack)?.outputs.has(m[1]!)) wrong.push(`${at} ${stack}.${m[1]}`);
      }
      for (const m of text.matchAll(/\."([\w-]+)"\.(\w+)/g)) {
        checked++;
        if (!stacks.get(m[1]!)?.outputs.has(m[2]!)) wrong.push(`${at} ${m[1]}.${m[2]}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked >= 10, `only ${checked} output reference(s) found`);
  });

  it('GIVEN a describe-stack-resources query WHEN it filters by resource type or logical ID THEN the stack has such a resource', () => {
    const wrong: string[] = [];
    for (const { text, at } of commands().filter((c) => c.text.includes('describe-stack-resources'))) {
      const stack = /--stack-name\s+"?([\w-]+)"?/.exec(text)?.[1] ?? '';
      const resources = stacks.get(stack)?.resources ?? new Map<string, string>();
      const type = /ResourceType=='([\w:]+)'/.exec(text)?.[1];
      const prefix = /starts_with\(LogicalResourceId, '(\w+)'\)/.exec(text)?.[1];
      const match = [...resources].filter(
        ([id, t]) => (!type || t === type) && (!prefix || id.startsWith(prefix)),
      );
      if (match.length !== 1)
        wrong.push(`${at} ${stack} ${type ?? ''} ${prefix ?? ''}: ${match.length} match(es)`);
    }
    assert.deepEqual(wrong, []);
  });

  it('GIVEN infra/lib/context.ts WHEN a block sets a CDK setting (-c key=…, or .context in cdk.json) THEN the app reads that key', () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const { text, at } of commands()) {
      const keys = [
        ...[...text.matchAll(/(?:^|\s)-c\s+(\w+)=/g)].map((m) => m[1]!),
        // jq edits of infra/cdk.json: the keys of every object literal on a line that touches .context
        ...(/\.context\b/.test(text) ? [...text.matchAll(/[{,]\s*(\w+)\s*:/g)].map((m) => m[1]!) : []),
      ];
      for (const key of keys) {
        seen.add(key);
        if (!contextKeys.has(key)) wrong.push(`${at} ${key}`);
      }
    }
    assert.deepEqual(wrong, []);
    for (const key of [
      'account',
      'region',
      'alertEmail',
      'sesFromEmail',
      'userPasswordAuth',
      'dockerDirectory',
    ])
      assert.ok(seen.has(key), `the guide sets ${key}`);
  });

  it("GIVEN the app secret's keys in the template WHEN guide 05 writes the app secret THEN every key ECS injects is in it", () => {
    const writes = awsBlocks.filter(
      (b) => b.code.includes('put-secret-value') && /(?<![A-Z_])APP_SECRET_ARN/.test(b.code),
    );
    assert.equal(writes.length, 1, 'one block writes the app secret');
    const written = [...writes[0]!.code.matchAll(/[{,]\s*(\w+):/g)].map((m) => m[1]!);
    assert.ok(appSecretKeys.length > 0);
    assert.deepEqual(
      appSecretKeys.filter((k) => !written.includes(k)),
      [],
    );
  });

  it("GIVEN the task definitions WHEN guide 05 lists what the tasks get THEN it names exactly the containers' variables", () => {
    const text = guideText('05-ecs-backend-deployment.md');
    const section = text.slice(text.indexOf('### 4. What the tasks get'), text.indexOf('## Deploy'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const named = new Set(
      rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
    );
    assert.deepEqual([...named].sort(), [...containerVariables].sort());
  });

  it('GIVEN the budget stack WHEN guide 01 states the default budget THEN it is the synthesized limit', () => {
    const stated = /\*\*\$(\d+) a\s+month\*\*/.exec(guideText('01-aws-account-setup.md'))?.[1];
    assert.equal(Number(stated), budgetUsd);
  });

  it('GIVEN the output keys the stacks write WHEN the prose names an output THEN it is one of them', () => {
    const known = new Set<string>(Object.values(OUTPUT_KEYS));
    const wrong: string[] = [];
    for (const file of guideFiles()) {
      const text = guideText(file);
      for (const m of text.matchAll(
        /`([A-Z][A-Za-z0-9]+)` output|output `([A-Z][A-Za-z0-9]+)`|`Aiuteur-\w+\.(\w+)/g,
      )) {
        const key = (m[1] ?? m[2] ?? m[3])!;
        if (!known.has(key)) wrong.push(`${file}: ${key}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});

describe('the guide: every TypeScript block type-checks against the runtime', () => {
  /**
   * A block with an import or export is a module of its own; one without continues the block before it in the
   * same file (the guide's "then use it like this" snippets), and is checked appended to it.
   */
  const units: Array<{ name: string; parts: Block[] }> = [];
  for (const block of blocks.filter((b) => ['ts', 'typescript', 'tsx'].includes(b.lang))) {
    const last = units.at(-1);
    if (!/^\s*(import|export)\s/m.test(block.code) && last && last.parts[0]!.file === block.file)
      last.parts.push(block);
    else units.push({ name: where(block), parts: [block] });
  }
  const fileOf = (unit: { parts: Block[] }) =>
    path.join(GUIDE_DIR, `.guide-${unit.parts[0]!.file.replace(/\.md$/, '')}-${unit.parts[0]!.line}.ts`);

  let diagnostics: Map<string, string[]>;
  before(() => {
    const configFile = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, REPO_ROOT);
    const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: ['node', 'vite/client'] };
    const sources = new Map<string, { text: string; lines: Array<{ block: Block; from: number }> }>();
    for (const unit of units) {
      let text = '';
      const lines: Array<{ block: Block; from: number }> = [];
      for (const part of unit.parts) {
        lines.push({ block: part, from: text.split('\n').length - 1 });
        text += `${part.code}\n`;
      }
      sources.set(fileOf(unit), { text, lines });
    }
    const host = ts.createCompilerHost(options, true);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, onError, create) => {
      const virtual = sources.get(path.resolve(name));
      return virtual
        ? ts.createSourceFile(name, virtual.text, version, true)
        : getSourceFile(name, version, onError, create);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => sources.has(path.resolve(name)) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => sources.get(path.resolve(name))?.text ?? readFile(name);
    const program = ts.createProgram([...sources.keys()], options, host);
    diagnostics = new Map();
    for (const [file, source] of sources) {
      const sf = program.getSourceFile(file)!;
      const found = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(
        (d) => {
          const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
          const at = [...source.lines].reverse().find((l) => l.from <= line)!;
          return `${where(at.block, line - at.from + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
        },
      );
      diagnostics.set(file, found);
    }
  });

  it('has TypeScript blocks to check', () => assert.ok(units.length > 0));

  for (const unit of units) {
    it(`GIVEN the block at ${unit.name}${unit.parts.length > 1 ? ` (with ${unit.parts.length - 1} continuation)` : ''} WHEN compiled against the runtime THEN it has no type error`, () => {
      assert.deepEqual(diagnostics.get(fileOf(unit)), []);
    });
  }
});
