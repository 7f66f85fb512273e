// Middleware-path token verification vs bare jose.jwtVerify, same tokens, warm JWKS.
// Run: node --import tsx bench/auth/verify.bench.ts [--seconds 1] [--rounds 5]
// Not part of npm test. Target: ours ≥ 0.8× bare jose.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createAuthVerifier, requireAuth, type AuthRequest, type AuthResponse } from '@supa2aws/runtime/auth';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '1' }, rounds: { type: 'string', default: '5' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const TOKENS = 256;
const POOL = 'local_bench';
const CLIENT = 'benchclient';

async function main(): Promise<void> {
  // A real JWKS over loopback HTTP, like cognito-local's.
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/${POOL}`;
  const jwksUrl = `${issuer}/.well-known/jwks.json`;

  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    Array.from({ length: TOKENS }, (_, i) =>
      new SignJWT({
        sub: crypto.randomUUID(),
        client_id: CLIENT,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        username: crypto.randomUUID(),
        jti: `jti-${i}`,
        auth_time: now,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey),
    ),
  );

  // Ours: the whole middleware path (header parsing, issuer pick, pinned alg, cached key, claims, user ID).
  const verifier = createAuthVerifier({ cognito: { userPoolId: POOL, issuer, clientIds: [CLIENT] } });
  await verifier.warm();
  const middleware = requireAuth(verifier);
  const res: AuthResponse = {
    statusCode: 200,
    setHeader: () => undefined,
    end: () => {
      throw new Error('middleware refused a good token');
    },
  };
  const ours = async (token: string): Promise<void> => {
    const req: AuthRequest = { headers: { authorization: `Bearer ${token}` } };
    let passed = false;
    await middleware(req, res, (error) => {
      if (error) throw error;
      passed = true;
    });
    if (!passed || !req.user) throw new Error('no user');
  };

  // Bare jose, as an app would use it: a warm remote JWKS, issuer and algorithm checked.
  const remote = createRemoteJWKSet(new URL(jwksUrl));
  const bare = async (token: string): Promise<void> => {
    const { payload } = await jwtVerify(token, remote, { issuer, algorithms: ['RS256'] });
    if (payload.client_id !== CLIENT || payload.token_use !== 'access') throw new Error('claims');
  };
  await bare(tokens[0] as string);
  await ours(tokens[0] as string);

  // Paired measurement: batches of the two contenders alternate inside one loop, each timed on its own, so
  // load from other processes on the machine hits both alike.
  const pairedRates = async (concurrency: number): Promise<{ ours: number; bare: number }> => {
    const deadline = performance.now() + SECONDS * 1000;
    let i = 0;
    let count = 0;
    const spent = { ours: 0, bare: 0 };
    const batch = async (fn: (token: string) => Promise<void>, from: number): Promise<number> => {
      const start = performance.now();
      const all: Promise<void>[] = [];
      for (let c = 0; c < concurrency; c++) all.push(fn(tokens[(from + c) % TOKENS] as string));
      await Promise.all(all);
      return performance.now() - start;
    };
    while (performance.now() < deadline) {
      // Alternate which goes first, too.
      if (count % 2 === 0) {
        spent.ours += await batch(ours, i);
        spent.bare += await batch(bare, i);
      } else {
        spent.bare += await batch(bare, i);
        spent.ours += await batch(ours, i);
      }
      i += concurrency;
      count++;
    }
    const n = count * concurrency;
    return { ours: n / (spent.ours / 1000), bare: n / (spent.bare / 1000) };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

  console.log(
    `node ${process.version}, ${TOKENS} distinct RS256 Cognito-shaped access tokens, ${ROUNDS} rounds x ${SECONDS}s, paired batches`,
  );
  for (const concurrency of [1, 16]) {
    await pairedRates(concurrency); // warm-up round, not counted
    const b: number[] = [];
    const o: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const round = await pairedRates(concurrency);
      b.push(round.bare);
      o.push(round.ours);
      ratios.push(round.ours / round.bare);
    }
    console.log(
      `concurrency ${String(concurrency).padStart(2)}: bare jose.jwtVerify ${median(b).toFixed(0)}/s, requireAuth middleware ${median(o).toFixed(0)}/s, ratio ${median(ratios).toFixed(2)}x (median of ${ROUNDS} paired rounds; target >= 0.80x)`,
    );
  }
  server.closeAllConnections();
  server.close();
}

await main();
