#!/usr/bin/env node
// Runs one rung of the test ladder (or all of them) with node's test runner and tsx.
// Integration, e2e and browser rungs share one sandbox, started here once and stopped at the end;
// each test takes its own databases and buckets from it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNGS = {
  unit: ['test/unit'],
  integration: ['test/integration'],
  e2e: ['test/e2e'],
  browser: ['test/browser'],
  infra: ['infra/test'],
  // npm pack of both packages, installed into an empty app: two builds and two installs from the npm cache.
  pack: ['test/pack'],
};
const NEEDS_SANDBOX = new Set(['integration', 'e2e', 'browser']);
// Files run side by side: unit and infra files share nothing (most of their time is loading modules), one per
// core; integration files take their own databases and buckets from the shared sandbox, two at a time (much
// of their time is waiting on outage deadlines, signals and servers). e2e and browser run one file at a time.
const PARALLEL = {
  unit: Math.max(2, os.availableParallelism()),
  infra: Math.max(2, os.availableParallelism()),
  integration: 2,
};

function findTests(dir) {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const entry of readdirSync(abs)) {
    const full = path.join(abs, entry);
    if (statSync(full).isDirectory()) out.push(...findTests(path.join(dir, entry)));
    else if (/\.test\.(ts|mjs|js)$/.test(entry)) out.push(path.join(dir, entry));
  }
  return out.sort();
}

function runNode(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const counts = { pass: 0, fail: 0, cancelled: 0, skipped: 0 };
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^(?:ℹ|#) (pass|fail|cancelled|skipped) (\d+)\s*$/.exec(line.trim());
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, counts }));
  });
}

async function runRung(rung, env) {
  const files = findTests(RUNGS[rung][0]).concat(RUNGS[rung].slice(1).flatMap(findTests));
  if (files.length === 0) {
    console.log(`\n== ${rung}: no tests yet`);
    return { code: 0, counts: { pass: 0, fail: 0, cancelled: 0, skipped: 0 } };
  }
  console.log(`\n== ${rung}: ${files.length} file(s)`);
  const concurrency = PARALLEL[rung] ?? 1;
  const args = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ];
  return runNode(args, env);
}

function sandbox(command, stateDir, extra = []) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'sandbox', command, '--state-dir', stateDir, '--json', ...extra],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`sandbox ${command} failed (exit ${result.status})`);
  return result.stdout;
}

const wanted = process.argv[2] ?? 'all';
const rungs = wanted === 'all' ? Object.keys(RUNGS) : [wanted];
if (!rungs.every((r) => r in RUNGS)) {
  console.error(`unknown rung ${wanted}; one of: all, ${Object.keys(RUNGS).join(', ')}`);
  process.exit(2);
}

const totals = { pass: 0, fail: 0, cancelled: 0, skipped: 0 };
let failed = false;
let stateDir;
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
try {
  for (const rung of rungs) {
    if (NEEDS_SANDBOX.has(rung) && !env.SUPA2AWS_SANDBOX_DIR && findTests(RUNGS[rung][0]).length > 0) {
      stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-test-sandbox-'));
      console.log(`\n== starting the shared test sandbox in ${stateDir}`);
      // Tests clone the fixture database `postgres` as a template: pg_cron's launcher must not sit in it.
      sandbox('up', stateDir, ['--cron-database', 'cron']);
      env.SUPA2AWS_SANDBOX_DIR = stateDir;
    }
    const { code, counts } = await runRung(rung, env);
    for (const k of Object.keys(totals)) totals[k] += counts[k];
    if (code !== 0) failed = true;
  }
} finally {
  if (stateDir) {
    try {
      sandbox('down', stateDir);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}
// A test cancelled because its suite's hook failed never ran: it counts as failed.
const failedTests = totals.fail + totals.cancelled;
console.log(`\ntests: ${totals.pass} passed, ${failedTests} failed, ${totals.skipped} skipped`);
process.exit(failed || failedTests > 0 ? 1 : 0);
