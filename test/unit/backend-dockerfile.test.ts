/**
 * The backend image's required properties, read from the Dockerfile (no Docker engine here to build it):
 * multi-stage, a current LTS Node on Alpine (not 20, end of life April 2026), production-only install,
 * non-root user, port 3001, a HEALTHCHECK on /health, exec-form CMD; and an ignore file that keeps
 * secrets and host node_modules out of the build context.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copySources, ignoreRules, parseDockerfile } from '../helpers/dockerfile.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/backend');
const { instructions: ins, stages, last, image } = parseDockerfile(path.join(dir, 'Dockerfile'));

describe('examples/backend/Dockerfile', () => {
  it('is multi-stage, and the final stage copies from an earlier one', () => {
    assert.ok(stages.length >= 2, `expected 2+ FROM, got ${stages.length}`);
    assert.ok(last.some((i) => i.op === 'COPY' && /--from=\w+/.test(i.args)));
  });

  it('uses a current LTS Node on Alpine in every stage, never node:20', () => {
    for (const stage of stages) {
      assert.match(
        image(stage),
        /^node:(22|24)(\.\d+)*-alpine(\d+(\.\d+)*)?(@sha256:[a-f0-9]{64})?$/,
        image(stage),
      );
      assert.doesNotMatch(image(stage), /^node:(20|18|16)\b/);
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
