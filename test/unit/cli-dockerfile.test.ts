/**
 * The supa2aws CLI image (docker/cli/Dockerfile), checked as the backend's is (no Docker engine here to build
 * it): multi-stage, Node 24 LTS in every stage on a multi-architecture Debian base (arm64 for Graviton),
 * production-only install, non-root user, a pg_dump new enough for Supabase's PostgreSQL 15 and 17 where
 * `db schema` finds it, the repository's RDS CA bundle where the TLS code reads it, an exec-form entry
 * point; and an ignore file that lets in exactly what the Dockerfile copies and never a secret.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copySources, ignoreRules, parseDockerfile } from '../helpers/dockerfile.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'docker/cli');
const { instructions: ins, stages, last, image } = parseDockerfile(path.join(dir, 'Dockerfile'));
const env = Object.fromEntries(
  last
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split('=') as [string, string])),
);

describe('docker/cli/Dockerfile', () => {
  it('GIVEN the Dockerfile WHEN read THEN it is multi-stage and the final stage copies the build from an earlier one', () => {
    assert.ok(stages.length >= 2, `expected 2+ FROM, got ${stages.length}`);
    assert.ok(
      last.some((i) => i.op === 'COPY' && /--from=build\b/.test(i.args) && /\/app\/dist\b/.test(i.args)),
    );
  });

  it('GIVEN every stage WHEN its base is resolved THEN it is Node 24 LTS on multi-arch Debian slim, never node:20', () => {
    for (const stage of stages) {
      assert.match(
        image(stage),
        /^node:24(\.\d+)*-(trixie|bookworm)-slim(@sha256:[a-f0-9]{64})?$/,
        image(stage),
      );
    }
  });

  it('GIVEN the final stage WHEN dependencies are installed THEN npm ci installs the root package and the runtime workspace production-only', () => {
    const installs = last.filter((i) => i.op === 'RUN' && /npm (ci|install|i)\b/.test(i.args));
    assert.equal(installs.length, 1);
    for (const flag of [
      '--omit=dev',
      '--omit=optional',
      '--workspace packages/runtime',
      '--include-workspace-root',
      '--ignore-scripts',
    ])
      assert.ok(installs[0]!.args.includes(flag), flag);
    assert.match(
      installs[0]!.args,
      /npm pkg delete devDependencies --workspace packages\/runtime .*&& npm ci/,
    );
  });

  it('GIVEN Supabase on PostgreSQL 15 or 17 WHEN db schema picks pg_dump THEN the image has pg_dump 17 at PG_DUMP', () => {
    const apt = last.find((i) => i.op === 'RUN' && /apt-get install/.test(i.args));
    assert.ok(apt, 'no apt-get install in the final stage');
    assert.match(apt.args, /\bpostgresql-client-17\b/);
    assert.match(apt.args, /--no-install-recommends/);
    assert.match(apt.args, /rm -rf \/var\/lib\/apt\/lists/);
    // src/db/schema/pg-dump.ts: PG_DUMP is an explicit choice, used as long as it is new enough.
    assert.equal(env.PG_DUMP, '/usr/lib/postgresql/17/bin/pg_dump');
  });

  it('GIVEN the compiled CLI WHEN it reads its files THEN package.json, the config schema and the RDS CA bundle sit where dist/ looks', () => {
    const copied = last.filter((i) => i.op === 'COPY' && !i.args.includes('--from')).flatMap(copySources);
    // program.ts (../../package.json), comments.ts (../../../schema/…) from dist/; the runtime's libpq.ts
    // (../../certs/rds/…) from packages/runtime/dist/db/.
    for (const file of ['package.json', 'schema/supa2aws.config.schema.json', 'packages/runtime/certs']) {
      assert.ok(copied.includes(file), `${file} not copied`);
      assert.ok(existsSync(path.join(root, file)), `${file} missing from the repository`);
    }
    assert.equal(env.SUPA2AWS_FROM_DIST, '1');
  });

  it('GIVEN the final stage WHEN it starts THEN it runs as a non-root user with node as PID 1 (exec form)', () => {
    const users = last.filter((i) => i.op === 'USER');
    assert.ok(users.length > 0, 'no USER in the final stage');
    assert.ok(!['root', '0'].includes(users.at(-1)!.args.split(':')[0]!));
    const entry = last.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    assert.ok(entry);
    assert.deepEqual(JSON.parse(entry.args), ['node', '/app/bin/supa2aws.js']);
  });

  it('GIVEN every COPY and ADD WHEN their sources are listed THEN none is a .env, key or credentials file, and nothing is downloaded', () => {
    for (const copy of ins.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      for (const source of copySources(copy)) {
        assert.doesNotMatch(
          source,
          /^https?:\/\//,
          'a download is not pinned to the architecture-neutral build',
        );
        assert.doesNotMatch(
          source,
          /\.env\b|\.(pem|key)$|id_rsa|credentials|supa2aws\.config\.(json|ts)$/i,
          source,
        );
      }
    }
  });
});

describe('docker/cli/Dockerfile.dockerignore', () => {
  const rules = ignoreRules(path.join(dir, 'Dockerfile.dockerignore'));

  it('GIVEN the ignore file WHEN read THEN it excludes everything by default and never lets .env or node_modules in', () => {
    assert.equal(rules[0], '*');
    for (const needed of ['**/node_modules', '**/.env', '**/.env.*'])
      assert.ok(rules.includes(needed), needed);
    assert.ok(!rules.some((l) => /^!.*\.env/.test(l)));
  });

  it('GIVEN the context sources the Dockerfile copies WHEN matched against the ignore file THEN each is let in', () => {
    const allowed = rules.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = ins.filter((i) => i.op === 'COPY' && !i.args.includes('--from')).flatMap(copySources);
    for (const source of copied) assert.ok(allowed.includes(source), `${source} is copied but ignored`);
    for (const source of allowed) assert.ok(copied.includes(source), `${source} is let in but never copied`);
  });
});
