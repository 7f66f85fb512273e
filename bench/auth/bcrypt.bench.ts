// CPU time of one password check in the migrate-user handler: bcryptjs compare at cost 10 (GoTrue's), and
// argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) through hash-wasm, as verify-password.ts runs them.
// Run: node --import tsx bench/auth/bcrypt.bench.ts [--rounds 10]
// Not part of npm test. Figures: bench/auth/README.md.
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { argon2id, argon2Verify } from 'hash-wasm';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const ROUNDS = Number(values.rounds);
const PASSWORD = 'correct horse battery staple';

async function median(check: () => Promise<boolean>): Promise<number> {
  await check();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    if (!(await check())) throw new Error('the check failed');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const bcryptHash = bcrypt.hashSync(PASSWORD, 10);
  const argonHash = await argon2id({
    password: PASSWORD,
    salt: new Uint8Array(16).fill(7),
    iterations: 2,
    parallelism: 1,
    memorySize: 19456,
    hashLength: 32,
    outputType: 'encoded',
  });
  const result = {
    node: process.version,
    rounds: ROUNDS,
    bcryptCost10Ms: await median(() => bcrypt.compare(PASSWORD, bcryptHash)),
    argon2idMs: await median(() => argon2Verify({ password: PASSWORD, hash: argonHash })),
  };
  console.log(JSON.stringify(result, null, 2));
}

await main();
