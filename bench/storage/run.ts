/**
 * Storage copy benchmark: `supa2aws storage copy` (stream, read back, SHA-256, seal) against
 * `rclone copy --checksum --transfers N`, same data, same s3rver pair, same concurrency, in one run: several
 * rounds, alternating which goes first, each tool's median reported. Also timed: rclone's copy followed by
 * `rclone check --download`, which reads both sides back — what it takes to get from rclone the assurance
 * supa2aws's read-back gives (that every byte at the target is the source's).
 *
 *   node --import tsx bench/storage/run.ts [--scale small|full] [--concurrency 8] [--also-multipart]
 *     [--runs 3] [--also-lib] [--shards N] [--from-source] [--keep] [--checksum-target]
 *
 * full: 2,000 × 256 KiB, 20 × 64 MiB, 2 × 1 GiB (3.8 GiB); small: a tenth of each class
 * (200 × 256 KiB, 2 × 64 MiB, 2 × 102.4 MiB). Each tool runs as a child under `/usr/bin/time -v` for its
 * wall time and peak RSS. `--also-multipart` adds a supa2aws run that uploads in parts above 200 MiB, as
 * rclone does by default. `--shards N` adds N `storage copy --shard i/N` processes started side by side, each
 * with the same `--concurrency` (as `aws run --tasks N` starts them), timed together against the one process.
 * `--checksum-target` copies, for every tool, into the stand-in of the S3 checksum API
 * (bench/storage/checksum-target.ts, in memory: small set only) instead of the target s3rver: a target that
 * checks and keeps SHA-256 checksums as AWS S3 does, so supa2aws confirms each object by the checksum the
 * target answered with instead of reading it back (as it does on S3), while rclone's check still downloads.
 * Starts its own sandbox (no fixture) and stops it at the end; writes
 * bench/storage/last-run-<scale>[-checksums].json.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseConfig } from '../../src/config/index.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import {
  adminUrl,
  S3RVER_KEY,
  sandboxConfigFile,
  sandboxEnv,
  startSandbox,
} from '../../src/sandbox/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KiB = 1024;
const MiB = 1024 * KiB;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const SCALE = flag('scale') ?? 'small';
const CONCURRENCY = Number(flag('concurrency') ?? 8);
/** Rounds; the reported time is each tool's median (runs on this machine vary by ±10 %). */
const RUNS = Number(flag('runs') ?? 3);
const ALSO_MULTIPART = process.argv.includes('--also-multipart');
/** Also run the copy as this many shard processes side by side (`storage copy --shard i/N`). */
const SHARDS = Number(flag('shards') ?? 0);
/** Also run the copy through the library entry (no CLI start-up), to show the engine's own cost. */
const ALSO_LIB = process.argv.includes('--also-lib');
/**
 * Run the CLI from the TypeScript sources through tsx, as in a checkout, instead of the compiled package
 * (`npm run build`, then dist/ — what an installed supa2aws runs); tsx adds about 70 MiB of RSS.
 */
const FROM_SOURCE = process.argv.includes('--from-source');
/** Leave the sandbox and data up after the run (prints where), for profiling. */
const KEEP = process.argv.includes('--keep');
/** Copy into the S3 checksum stand-in rather than the target s3rver (see the module comment). */
const CHECKSUM_TARGET = process.argv.includes('--checksum-target');
if (CHECKSUM_TARGET && SCALE !== 'small')
  throw new Error('--checksum-target holds the data in memory: --scale small');
if (SCALE !== 'small' && SCALE !== 'full') throw new Error('--scale small|full');

interface ObjectClass {
  prefix: string;
  count: number;
  size: number;
}
const CLASSES: ObjectClass[] =
  SCALE === 'full'
    ? [
        { prefix: 'small', count: 2000, size: 256 * KiB },
        { prefix: 'medium', count: 20, size: 64 * MiB },
        { prefix: 'large', count: 2, size: 1024 * MiB },
      ]
    : [
        { prefix: 'small', count: 200, size: 256 * KiB },
        { prefix: 'medium', count: 2, size: 64 * MiB },
        { prefix: 'large', count: 2, size: Math.round(102.4 * MiB) },
      ];
const BUCKET = 'bench';

/** Fast distinct content: one random MiB, each chunk stamped with the object seed and chunk index. */
const BLOCK = randomBytes(MiB);
function content(seed: number, size: number): Readable {
  let offset = 0;
  let chunk = 0;
  return new Readable({
    read() {
      if (offset >= size) return this.push(null);
      const len = Math.min(MiB, size - offset);
      const buf = Buffer.from(BLOCK.subarray(0, len));
      if (len >= 16) {
        buf.writeUInt32LE(seed, 0);
        buf.writeUInt32LE(chunk, 4);
        buf.writeDoubleLE(Math.random(), 8);
      }
      offset += len;
      chunk++;
      this.push(buf);
    },
  });
}

async function seed(s3: S3Client, dbUrl: string): Promise<{ objects: number; bytes: number }> {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const jobs = CLASSES.flatMap((c) =>
    Array.from({ length: c.count }, (_, i) => ({
      key: `${c.prefix}/${String(i).padStart(5, '0')}.bin`,
      size: c.size,
    })),
  );
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as { key: string; size: number };
      const seedNo = next;
      if (job.size <= 8 * MiB) {
        const body = Buffer.concat(await content(seedNo, job.size).toArray());
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: job.key,
            Body: body,
            ContentLength: body.length,
            ContentType: 'application/octet-stream',
          }),
        );
      } else {
        await new Upload({
          client: s3,
          params: { Bucket: BUCKET, Key: job.key, Body: content(seedNo, job.size), ContentType: 'video/mp4' },
          partSize: 16 * MiB,
          queueSize: 2,
        }).done();
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // storage.objects rows, as Supabase keeps them (a minimal storage schema: the sandbox has no fixture).
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query(`create schema if not exists storage;
      create table if not exists storage.buckets (id text primary key, name text, public boolean default false);
      create table if not exists storage.objects (id uuid primary key default gen_random_uuid(), bucket_id text references storage.buckets(id),
        name text, metadata jsonb, user_metadata jsonb);
      grant usage on schema storage to postgres; grant select on all tables in schema storage to postgres;`);
    await client.query(`insert into storage.buckets (id, name) values ($1, $1)`, [BUCKET]);
    await client.query(
      `insert into storage.objects (bucket_id, name, metadata)
       select $1, k, jsonb_build_object('size', s, 'mimetype', 'application/octet-stream', 'cacheControl', 'max-age=3600')
         from unnest($2::text[], $3::bigint[]) as t(k, s)`,
      [BUCKET, jobs.map((j) => j.key), jobs.map((j) => j.size)],
    );
  } finally {
    await client.end();
  }
  return { objects: jobs.length, bytes: jobs.reduce((s, j) => s + j.size, 0) };
}

interface Measured {
  tool: string;
  seconds: number;
  peakRssMiB: number;
  /** User + system CPU seconds of the tool's process tree. */
  cpuSeconds: number;
  exitCode: number;
  stdout: string;
}

/**
 * CPU seconds, user + system, a process has used so far (/proc/<pid>/stat), or with `mainThread` only its
 * main thread's (/proc/<pid>/task/<pid>/stat): an s3rver's JavaScript runs there, so that thread's CPU time
 * is a floor under the wall time of any run through it.
 */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
function processCpuSeconds(pid: number | undefined, mainThread = false): number {
  if (!pid) return Number.NaN;
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Runs a command under /usr/bin/time -v; wall time and peak RSS of the child. */
function measure(tool: string, command: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', ...command], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      if (!wall || !rss || !user || !system)
        return reject(new Error(`${tool}: no /usr/bin/time output:\n${stderr.slice(-2000)}`));
      const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
      if (code !== 0) process.stderr.write(`${tool} exited ${code}:\n${stderr.slice(-3000)}\n`);
      resolve({
        tool,
        seconds,
        peakRssMiB: Number(rss[1]) / 1024,
        cpuSeconds: Number(user[1]) + Number(system[1]),
        exitCode: code ?? 1,
        stdout,
      });
    });
  });
}

/** bench/storage/checksum-target.ts as a child process: its endpoint, its pid, and how to stop it. */
async function startChecksumTarget(): Promise<{ endpoint: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/storage/checksum-target.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`checksum-target.ts exited ${code}`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return { endpoint, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

function sync(): Promise<void> {
  return new Promise((resolve) => spawn('sync').on('close', () => resolve()));
}

async function main(): Promise<void> {
  if (!FROM_SOURCE) {
    process.stderr.write('building dist/ (npm run build)…\n');
    await new Promise<void>((resolve, reject) =>
      spawn('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' }).on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`npm run build exited ${code}`)),
      ),
    );
  }
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-bench-storage-'));
  process.stderr.write(`starting the sandbox (no fixture) in ${stateDir}\n`);
  const sandbox = await startSandbox({ stateDir, fixture: false, detached: KEEP });
  const checksumTarget = CHECKSUM_TARGET ? await startChecksumTarget() : undefined;
  try {
    const state = sandbox.state;
    const sourceEndpoint = `http://127.0.0.1:${state.sourceS3?.port}`;
    const targetEndpoint = checksumTarget?.endpoint ?? `http://127.0.0.1:${state.targetS3?.port}`;
    const targetPid = checksumTarget?.pid ?? state.targetS3?.pid;
    const targetName = checksumTarget ? 'S3 checksum stand-in' : 's3rver';
    const s3 = (endpoint: string) =>
      createS3Client({
        endpoint,
        accessKeyId: S3RVER_KEY,
        secretAccessKey: S3RVER_KEY,
        checksumsWhenRequired: true,
      });
    const source = s3(sourceEndpoint);
    const target = s3(targetEndpoint);
    process.stderr.write(`generating the ${SCALE} data set…\n`);
    const t0 = Date.now();
    const data = await seed(source, adminUrl(state.sourceDb!));
    process.stderr.write(
      `  ${data.objects} objects, ${(data.bytes / MiB).toFixed(0)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    const raw = sandboxConfigFile(state) as {
      storage: { buckets: Record<string, unknown> };
      target: { s3: { endpoint?: string; s3rver?: boolean } };
    };
    if (checksumTarget) {
      raw.target.s3.endpoint = checksumTarget.endpoint;
      delete raw.target.s3.s3rver;
    }
    const cli = (file: string, extra: string[]) => [
      process.execPath,
      ...(FROM_SOURCE ? ['--import', 'tsx', 'src/cli/main.ts'] : ['bin/supa2aws.js']),
      'storage',
      'copy',
      '--config',
      file,
      '--json',
      '--concurrency',
      String(CONCURRENCY),
      '--report-dir',
      path.join(stateDir, 'report'),
      ...extra,
    ];
    /** N shard processes side by side; each writes its JSON result beside the config, read by `copied`. */
    const shardOutputs = (file: string) =>
      Array.from({ length: SHARDS }, (_, i) => ({
        shard: `${i + 1}/${SHARDS}`,
        out: `${file}.shard-${i + 1}.json`,
      }));
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    const runs: Array<{
      label: string;
      bucket: string;
      command: (file: string) => string[];
      copied?: (file: string) => number;
    }> = [
      {
        label: checksumTarget
          ? 'supa2aws storage copy (target checksums, SHA-256)'
          : 'supa2aws storage copy (read back, SHA-256)',
        bucket: 'supa2aws-bench',
        command: (f) => cli(f, []),
      },
      ...(ALSO_MULTIPART
        ? [
            {
              label: 'supa2aws, multipart above 200 MiB',
              bucket: 'supa2aws-bench-mp',
              command: (f: string) => cli(f, ['--multipart-threshold', '200']),
            },
          ]
        : []),
      ...(SHARDS > 1
        ? [
            {
              label: `supa2aws, ${SHARDS} shard processes`,
              bucket: 'supa2aws-bench-shards',
              command: (f: string) => {
                const shards = shardOutputs(f);
                const started = shards
                  .map(
                    (s, i) =>
                      `${cli(f, ['--shard', s.shard]).map(quote).join(' ')} > ${quote(s.out)} & p${i}=$!`,
                  )
                  .join('; ');
                return ['sh', '-c', `${started}; ${shards.map((_, i) => `wait $p${i}`).join(' && ')}`];
              },
              copied: (f: string) =>
                shardOutputs(f).reduce(
                  (sum, s) =>
                    sum +
                    (JSON.parse(readFileSync(s.out, 'utf8')) as { copied: { count: number } }).copied.count,
                  0,
                ),
            },
          ]
        : []),
      ...(ALSO_LIB
        ? [
            {
              label: 'supa2aws copy engine (no CLI start-up)',
              bucket: 'supa2aws-bench-lib',
              command: (f: string) => [
                process.execPath,
                '--import',
                'tsx',
                'bench/storage/copy-entry.ts',
                f,
                String(CONCURRENCY),
              ],
            },
          ]
        : []),
    ];
    const rcloneEnv: NodeJS.ProcessEnv = { ...process.env };
    delete rcloneEnv.AWS_CA_BUNDLE;
    for (const [name, endpoint] of [
      ['SRC', sourceEndpoint],
      ['TGT', targetEndpoint],
    ] as const) {
      Object.assign(rcloneEnv, {
        [`RCLONE_CONFIG_${name}_TYPE`]: 's3',
        [`RCLONE_CONFIG_${name}_PROVIDER`]: 'Other',
        [`RCLONE_CONFIG_${name}_ENDPOINT`]: endpoint,
        [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: S3RVER_KEY,
        [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: S3RVER_KEY,
        [`RCLONE_CONFIG_${name}_FORCE_PATH_STYLE`]: 'true',
      });
    }
    /** Each tool copies into a fresh bucket per round: a command and its environment. */
    const contenders: Array<{
      label: string;
      prepare: (round: number) => Promise<{ command: string[]; env: NodeJS.ProcessEnv; file?: string }>;
      copied?: (stdout: string, file: string) => number;
    }> = [
      {
        label: 'rclone copy --checksum',
        prepare: async (round) => ({
          command: [
            'rclone',
            'copy',
            '--checksum',
            '--transfers',
            String(CONCURRENCY),
            `src:${BUCKET}`,
            `tgt:rclone-bench-${round}`,
          ],
          env: rcloneEnv,
        }),
      },
      {
        label: 'rclone copy, then rclone check --download',
        prepare: async (round) => {
          const to = `tgt:rclone-checked-${round}`;
          const n = String(CONCURRENCY);
          return {
            command: [
              'sh',
              '-c',
              `rclone copy --checksum --transfers ${n} src:${BUCKET} ${to} && rclone check --download --checkers ${n} src:${BUCKET} ${to}`,
            ],
            env: rcloneEnv,
          };
        },
      },
      ...runs.map((run) => ({
        label: run.label,
        prepare: async (round: number) => {
          const bucket = `${run.bucket}-${round}`;
          raw.storage.buckets = { [BUCKET]: { target: bucket, access: 'private' } };
          const { config, errors } = parseConfig(structuredClone(raw), sandboxEnv(state));
          if (!config) throw new Error(JSON.stringify(errors));
          const file = path.join(stateDir, `${bucket}.config.json`);
          writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
          await target.send(new CreateBucketCommand({ Bucket: bucket }));
          return {
            command: run.command(file),
            env: { ...process.env, ...(FROM_SOURCE ? {} : { SUPA2AWS_FROM_DIST: '1' }) },
            file,
          };
        },
        copied: (stdout: string, file: string) =>
          run.copied ? run.copied(file) : (JSON.parse(stdout) as { copied: { count: number } }).copied.count,
      })),
    ];
    const measured = new Map<
      string,
      Array<Measured & { sourceCpu: number; targetCpu: number; targetMainThreadCpu: number }>
    >(contenders.map((c) => [c.label, []]));
    const serverCpu = () => ({
      source: processCpuSeconds(state.sourceS3?.pid),
      target: processCpuSeconds(targetPid),
      targetMainThread: processCpuSeconds(targetPid, true),
    });
    for (let round = 0; round < RUNS; round++) {
      // Alternate the order: whoever goes second meets the first one's dirty pages.
      for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
        const { command, env, file } = await contender.prepare(round);
        await sync();
        process.stderr.write(`round ${round + 1}/${RUNS}: ${contender.label}, concurrency ${CONCURRENCY}…\n`);
        const before = serverCpu();
        const m = await measure(contender.label, command, env);
        const after = serverCpu();
        measured.get(contender.label)?.push({
          ...m,
          sourceCpu: after.source - before.source,
          targetCpu: after.target - before.target,
          targetMainThreadCpu: after.targetMainThread - before.targetMainThread,
        });
        if (m.exitCode === 0 && contender.copied) {
          const copied = contender.copied(m.stdout, file ?? '');
          if (copied !== data.objects)
            throw new Error(`${contender.label} copied ${copied} of ${data.objects}`);
        }
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    };
    /** Per tool: medians over the rounds (time, CPU of each process), the highest peak RSS, every time. */
    const results = contenders.map((c) => {
      const all = measured.get(c.label) ?? [];
      const cpu = {
        tool: median(all.map((m) => m.cpuSeconds)),
        sourceS3rver: median(all.map((m) => m.sourceCpu)),
        targetS3rver: median(all.map((m) => m.targetCpu)),
      };
      const targetS3rverMainThread = median(all.map((m) => m.targetMainThreadCpu));
      return {
        tool: c.label,
        seconds: median(all.map((m) => m.seconds)),
        peakRssMiB: Math.max(...all.map((m) => m.peakRssMiB)),
        cpuSeconds: {
          ...cpu,
          total: cpu.tool + cpu.sourceS3rver + cpu.targetS3rver,
          targetS3rverMainThread,
        },
        exitCode: Math.max(...all.map((m) => m.exitCode)),
        runs: all.map((m) => m.seconds),
      };
    });
    source.destroy();
    target.destroy();

    const rclone = results[0] as (typeof results)[number];
    const rcloneChecked = results[1] as (typeof results)[number];
    const supa2aws = results[2] as (typeof results)[number];
    const mib = data.bytes / MiB;
    const lines = [
      '',
      `storage copy benchmark — ${SCALE}: ${data.objects} objects, ${mib.toFixed(0)} MiB, concurrency ${CONCURRENCY}, s3rver → ${targetName}`,
      '',
      `median of ${RUNS} round(s), alternating which tool goes first`,
      '',
      `${'tool'.padEnd(48)} ${'time'.padStart(8)} ${'MiB/s'.padStart(8)} ${'peak RSS'.padStart(10)} ${'vs rclone'.padStart(10)}   CPU s: tool + source + target = total`,
      ...results.map(
        (r) =>
          `${r.tool.padEnd(48)} ${`${r.seconds.toFixed(1)} s`.padStart(8)} ${(mib / r.seconds).toFixed(1).padStart(8)} ${`${r.peakRssMiB.toFixed(0)} MiB`.padStart(10)} ${`${(rclone.seconds / r.seconds).toFixed(2)}×`.padStart(10)}   ${[r.cpuSeconds.tool, r.cpuSeconds.sourceS3rver, r.cpuSeconds.targetS3rver].map((x) => x.toFixed(1)).join(' + ')} = ${r.cpuSeconds.total.toFixed(1)}`,
      ),
      '',
      `supa2aws against rclone copy then check --download (the same assurance): ${(rcloneChecked.seconds / supa2aws.seconds).toFixed(2)}×`,
      ...results
        .filter((r) => r.tool === `supa2aws, ${SHARDS} shard processes`)
        .map(
          (r) =>
            `${SHARDS} shard processes against one process: ${(supa2aws.seconds / r.seconds).toFixed(2)}×`,
        ),
      `CPU: ${os.cpus().length} cores; a run that keeps them busy cannot take less than its total CPU seconds / ${os.cpus().length}.`,
      `target ${targetName}, CPU s of its main (JavaScript) thread, a floor under each run's time: ${results.map((r) => `${r.tool} ${r.cpuSeconds.targetS3rverMainThread.toFixed(1)}`).join('; ')}`,
      '',
      "goals (issue 20): supa2aws ≥ 1.20× rclone copy then check --download; tool CPU ≤ rclone's; peak RSS < 300 MiB",
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeFileSync(
      path.join(root, 'bench', 'storage', `last-run-${SCALE}${checksumTarget ? '-checksums' : ''}.json`),
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          scale: SCALE,
          concurrency: CONCURRENCY,
          objects: data.objects,
          bytes: data.bytes,
          machine: { cpus: os.cpus().length, node: process.version },
          rounds: RUNS,
          results: results.map((r) => ({
            ...r,
            mibPerSecond: mib / r.seconds,
            vsRclone: rclone.seconds / r.seconds,
            vsRcloneCopyThenCheck: rcloneChecked.seconds / r.seconds,
          })),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    if (KEEP) {
      process.stderr.write(
        `kept: ${JSON.stringify({ stateDir, sourceS3: sandbox.state.sourceS3, targetS3: sandbox.state.targetS3, checksumTarget })}\n`,
      );
    } else {
      checksumTarget?.stop();
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}

await main();
