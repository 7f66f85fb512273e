/**
 * The backend image's required properties, read from the Dockerfile (no Docker engine here to build it):
 * multi-stage, Node 24 (the active LTS line) on Alpine, production-only install, non-root user, port 3001,
 * a HEALTHCHECK on /health, exec-form CMD; the runtime as the built @supa2aws/runtime package, never the
 * repository's sources; and an ignore file that keeps secrets and host node_modules out of the build context.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copySources, ignoreRules, parseDockerfile } from '../helpers/dockerfile.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(repo, 'examples/backend');
const { instructions: ins, stages, last, image } = parseDockerfile(path.join(dir, 'Dockerfile'));
const runtimePackage = JSON.parse(readFileSync(path.join(repo, 'packages/runtime/package.json'), 'utf8')) as {
  files: string[];
};
const build = ins.slice(ins.indexOf(stages[0]!), ins.indexOf(stages.at(-1)!));
/** A COPY's sources and destination, flags dropped. */
const copyParts = (i: { args: string }) => {
  const words = i.args.split(/\s+/).filter((a) => !a.startsWith('--'));
  return { sources: words.slice(0, -1), dest: words.at(-1)!, fromStage: /--from=/.test(i.args) };
};

describe('examples/backend/Dockerfile', () => {
  it('is multi-stage, and the final stage copies from an earlier one', () => {
    assert.ok(stages.length >= 2, `expected 2+ FROM, got ${stages.length}`);
    assert.ok(last.some((i) => i.op === 'COPY' && /--from=\w+/.test(i.args)));
  });

  it('uses Node 24, the active LTS line, on Alpine in every stage, never node:20', () => {
    for (const stage of stages) {
      assert.match(
        image(stage),
        /^node:24(\.\d+)*-alpine(\d+(\.\d+)*)?(@sha256:[a-f0-9]{64})?$/,
        image(stage),
      );
    }
  });

  it('installs production dependencies only in the final stage, with npm ci', () => {
    const installs = last.filter((i) => i.op === 'RUN' && /npm (ci|install|i)\b/.test(i.args));
    assert.ok(installs.length > 0);
    for (const run of installs) {
      assert.match(run.args, /npm ci\b/);
      assert.match(run.args, /--omit=dev/);
      assert.doesNotMatch(run.args, /--only=prod/, 'the deprecated flag');
    }
  });

  it("GIVEN the build context WHEN the image is built THEN nothing of the repository's src/ is copied: the runtime comes from packages/runtime", () => {
    const sources = ins.filter((i) => i.op === 'COPY').flatMap((i) => copyParts(i).sources);
    assert.deepEqual(
      sources.filter((s) => /^\.?\/?src(\/|$)/.test(s)),
      [],
    );
    assert.ok(sources.includes('packages/runtime/src'), 'the runtime package is built from its own sources');
  });

  it('GIVEN the build stage WHEN it compiles THEN it builds the runtime package before the backend, which compiles against it', () => {
    const builds = build.filter((i) => i.op === 'RUN' && /npm run build/.test(i.args)).map((i) => i.args);
    assert.deepEqual(builds, [
      'npm run build --workspace packages/runtime',
      'npm run build --workspace examples/backend',
    ]);
  });

  it('GIVEN the final stage WHEN it installs the runtime THEN it holds the package as npm packs it: its package.json before npm ci, then every entry of its "files"', () => {
    const install = last.findIndex((i) => i.op === 'RUN' && /npm ci\b/.test(i.args));
    const copies = last.filter((i) => i.op === 'COPY').map(copyParts);
    const manifest = last.findIndex((i) => i.op === 'COPY' && copyParts(i).dest === 'packages/runtime/');
    assert.ok(manifest >= 0 && manifest < install, 'packages/runtime/package.json is copied before npm ci');
    for (const entry of runtimePackage.files) {
      assert.ok(
        copies.some((c) => c.dest === `packages/runtime/${entry}`),
        `packages/runtime/${entry} (in the package's "files") is not copied into the final stage`,
      );
    }
    const dist = copies.find((c) => c.dest === 'packages/runtime/dist');
    assert.ok(dist?.fromStage, 'dist/ comes from the build stage, compiled');
  });

  it("GIVEN npm's workspace install WHEN the final stage installs THEN the workspaces' devDependencies are dropped first, so TypeScript and @types stay out", () => {
    const install = last.find((i) => i.op === 'RUN' && /npm ci\b/.test(i.args));
    assert.ok(install);
    assert.match(
      install.args,
      /npm pkg delete devDependencies --workspace packages\/runtime --workspace examples\/backend .*&& npm ci --omit=dev/,
    );
  });

  it('runs as a non-root user', () => {
    const users = last.filter((i) => i.op === 'USER');
    assert.ok(users.length > 0, 'no USER in the final stage');
    const user = users.at(-1)!.args.split(':')[0]!;
    assert.ok(!['root', '0'].includes(user), user);
  });

  it('exposes 3001, checks /health, and starts the API in exec form', () => {
    assert.ok(last.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('3001')));
    const health = last.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(health, 'no HEALTHCHECK');
    assert.match(health.args, /CMD .*\/health/);
    const cmd = last.filter((i) => i.op === 'CMD').at(-1);
    assert.ok(cmd);
    assert.deepEqual(JSON.parse(cmd.args), ['node', 'dist/examples/backend/src/server.js']);
  });

  it('copies no .env or secrets into the image', () => {
    for (const copy of ins.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      for (const source of copySources(copy).filter((s) => !/^https:\/\//.test(s))) {
        assert.doesNotMatch(source, /\.env\b|\.(pem|key)$|id_rsa|credentials/i, source);
      }
    }
  });
});

describe('examples/backend ignore files', () => {
  const rules = (file: string) => ignoreRules(path.join(dir, file));

  it('exclude everything by default and never let .env or node_modules in', () => {
    const r = rules('Dockerfile.dockerignore');
    assert.equal(r[0], '*');
    for (const needed of ['**/node_modules', '**/.env', '**/.env.*']) assert.ok(r.includes(needed), needed);
    assert.ok(!r.some((l) => /^!.*\.env/.test(l)));
  });

  it('let in exactly what the Dockerfile copies from the context', () => {
    const allowed = rules('Dockerfile.dockerignore')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = ins
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) assert.ok(allowed.includes(source), `${source} is copied but ignored`);
  });

  it('.dockerignore and Dockerfile.dockerignore hold the same rules', () => {
    assert.deepEqual(rules('.dockerignore'), rules('Dockerfile.dockerignore'));
  });
});
