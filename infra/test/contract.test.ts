/**
 * The names that cross the boundary between the templates and the apps, checked on both sides: the path
 * the SPA calls (`${ApiUrl}/...`) reaches a route the backend serves after CloudFront's behaviour and
 * function; the load balancer's health check path is one the backend answers without its database; the
 * ports agree from CloudFront's origin to the container (and the image); CORS origins in the task
 * definition are the ones the backend parses back. The backend runs in-process with real parts: its
 * database and S3 are unreachable on purpose (a route answering other than NOT_FOUND is what is checked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp, type Authenticate } from '../../examples/backend/src/app.ts';
import { loadConfig } from '../../examples/backend/src/config.ts';
import { createStorage } from '../../examples/backend/src/storage.ts';
import { closePool, createPool } from '@supa2aws/runtime/db';
import { REPO_ROOT } from '../lib/auth-stack.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import { ingressRules, logicalId, synth, type Synthesized } from './helpers.ts';
import { cloudFrontRoute } from '../../test/helpers/cloudfront-stand-in.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const route = cloudFrontRoute;

/** The backend app with real parts that reach nothing: a pool to a closed port, S3 nowhere. */
async function startBackend(corsOrigins: string[] = []) {
  const pool = createPool({
    connectionString: 'postgres://app:unused@127.0.0.1:9/aiuteur?sslmode=disable',
    connectionTimeoutMs: 1_000,
  });
  const storage = createStorage(
    {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      buckets: { videos: 'v', images: 'i', assetImages: 'a' },
      presignExpiresSeconds: 60,
    },
    { accessKeyId: 'unused', secretAccessKey: 'unused' },
  );
  // Routing is what is checked here: every request is let through as one user.
  const authenticate: Authenticate = (req, _res, next) => {
    (req as unknown as { user: { id: string } }).user = { id: '00000000-0000-4000-8000-000000000001' };
    next();
  };
  const app = createApp({ pool, storage, authenticate, corsOrigins, healthTimeoutMs: 500 });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closePool(pool, { timeoutMs: 1_000 });
      storage.s3.destroy();
    },
  };
}

async function errorCode(response: Response): Promise<string | undefined> {
  const text = await response.text();
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

describe('templates against the backend and the SPA', () => {
  let s: Synthesized;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  before(async () => {
    s = synth();
    backend = await startBackend();
  });
  after(() => backend.close());

  test("GIVEN the defaults WHEN the SPA calls the API at ApiUrl THEN CloudFront's behaviour sends each call to the load balancer at a path the backend routes", async () => {
    const t = s.template('frontend');
    const joined = (key: string) => t.findOutputs(key)[key]!.Value['Fn::Join'][1] as unknown[];
    const apiPath = s.settings.backend.apiPath;
    // The SPA's apiBaseUrl is the site's own origin plus the API path: same origin, no CORS.
    assert.deepEqual(joined(OUTPUT_KEYS.apiUrl), [...joined(OUTPUT_KEYS.cloudFrontUrl), apiPath]);
    const alb = logicalId(s.stacks.backend.loadBalancer);
    const calls = [
      ['GET', '/projects'],
      ['POST', '/projects'],
      ['GET', '/projects/00000000-0000-4000-8000-000000000002'],
      ['POST', '/assets/upload-url'],
      ['POST', '/assets'],
      ['POST', '/videos'],
      ['GET', '/videos/00000000-0000-4000-8000-000000000003'],
    ] as const;
    for (const [method, path_] of calls) {
      const routed = route(t, `${apiPath}${path_}`);
      assert.match(JSON.stringify(routed.origin.DomainName), new RegExp(`GetAtt${alb}DNSName`), path_);
      assert.equal(routed.uri, path_);
      const answer = await fetch(`${backend.url}${routed.uri}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.notEqual(await errorCode(answer), 'NOT_FOUND', `${method} ${path_} is a backend route`);
    }
    const unknown = await fetch(`${backend.url}${route(t, `${apiPath}/no-such-route`).uri}`);
    assert.equal(await errorCode(unknown), 'NOT_FOUND', 'the check can tell a missing route');
    assert.equal(
      route(t, '/projects/42').uri,
      '/index.html',
      'client routes outside the API path get the SPA',
    );
    assert.equal(
      route(t, `${apiPath}x/projects`).uri,
      '/index.html',
      'only the prefix followed by / is the API',
    );
  });

  test('GIVEN the defaults THEN the target group health check is the liveness route, answered without the database', async () => {
    const tg = Object.values(
      s.template('backend').findResources('AWS::ElasticLoadBalancingV2::TargetGroup'),
    )[0]!.Properties;
    assert.equal(tg.HealthCheckPath, '/health/live');
    assert.equal(tg.Matcher.HttpCode, '200');
    const live = await fetch(`${backend.url}${tg.HealthCheckPath}`);
    assert.equal(live.status, 200);
    const deep = await fetch(`${backend.url}/health`);
    assert.equal(deep.status, 503, 'the deep check, for people and alarms, does depend on the database');
  });

  test('GIVEN the defaults THEN the ports agree: CloudFront origin = listener = ALB ingress, target group = tasks ingress = container = PORT = image = backend default', () => {
    const backendT = s.template('backend');
    const networkT = s.template('network');
    const listener = Object.values(backendT.findResources('AWS::ElasticLoadBalancingV2::Listener'))[0]!
      .Properties;
    const origin = route(s.template('frontend'), `${s.settings.backend.apiPath}/projects`).origin;
    assert.equal(
      origin.CustomOriginConfig.HTTPPort ?? 80,
      listener.Port,
      "CloudFront's default HTTP port is 80",
    );
    const albIngress = ingressRules(networkT, logicalId(s.stacks.network.albSecurityGroup));
    assert.deepEqual(
      albIngress.map((r) => [r.fromPort, r.toPort]),
      [[listener.Port, listener.Port]],
    );

    const port = s.settings.backend.containerPort;
    const tg = Object.values(backendT.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))[0]!
      .Properties;
    assert.equal(tg.Port, port);
    const taskIngress = ingressRules(networkT, logicalId(s.stacks.network.tasksSecurityGroup));
    assert.deepEqual(
      taskIngress.map((r) => [r.from, r.fromPort, r.toPort]),
      [[`sg:${logicalId(s.stacks.network.albSecurityGroup)}`, port, port]],
    );
    const api = Object.values(backendT.findResources('AWS::ECS::TaskDefinition'))
      .map((r) => r.Properties.ContainerDefinitions[0])
      .find((c) => c.Name === 'api');
    assert.deepEqual(
      api.PortMappings.map((p: { ContainerPort: number }) => p.ContainerPort),
      [port],
    );
    const env = Object.fromEntries(
      api.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]),
    );
    assert.equal(env.PORT, String(port));
    const service = Object.values(backendT.findResources('AWS::ECS::Service')).find(
      (r) => r.Properties.LoadBalancers,
    )!.Properties;
    assert.deepEqual(service.LoadBalancers[0].ContainerPort, port);
    const dockerfile = readFileSync(path.join(REPO_ROOT, s.settings.backend.dockerFile), 'utf8');
    assert.match(dockerfile, new RegExp(`^EXPOSE ${port}$`, 'm'));
    assert.match(dockerfile, new RegExp(`PORT=${port}\\b`));
    assert.equal(
      loadConfig({ PGHOST: 'h', S3_VIDEOS_BUCKET: 'v', S3_IMAGES_BUCKET: 'i', S3_ASSET_IMAGES_BUCKET: 'a' })
        .port,
      port,
    );
  });

  test('GIVEN extra CORS origins WHEN synthesised THEN the backend parses CORS_ORIGINS back to them and answers their preflight; the buckets let the SPA upload', async () => {
    const origins = ['https://admin.example.com', 'http://localhost:5173'];
    const withCors = synth({ backend: { corsOrigins: origins } });
    const containers = Object.values(
      withCors.template('backend').findResources('AWS::ECS::TaskDefinition'),
    ).map((r) => r.Properties.ContainerDefinitions[0]);
    for (const c of containers) {
      const value = c.Environment.find((e: { Name: string }) => e.Name === 'CORS_ORIGINS')?.Value as string;
      const config = loadConfig({
        CORS_ORIGINS: value,
        PGHOST: 'h',
        S3_VIDEOS_BUCKET: 'v',
        S3_IMAGES_BUCKET: 'i',
        S3_ASSET_IMAGES_BUCKET: 'a',
      });
      assert.deepEqual(config.corsOrigins, origins);
    }
    const corsBackend = await startBackend(origins);
    try {
      const preflight = await fetch(`${corsBackend.url}/projects`, {
        method: 'OPTIONS',
        headers: { Origin: origins[0]!, 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), origins[0]);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    } finally {
      await corsBackend.close();
    }
    // The SPA PUTs uploads straight to S3 with presigned URLs: every app bucket admits that from its origin.
    for (const bucket of Object.values(s.template('storage').findResources('AWS::S3::Bucket'))) {
      const rules = bucket.Properties.CorsConfiguration?.CorsRules as Json[] | undefined;
      if (!rules) continue;
      assert.ok(
        rules.some(
          (r) =>
            r.AllowedMethods.includes('PUT') &&
            r.AllowedOrigins.includes('*') &&
            r.AllowedHeaders.includes('*'),
        ),
        JSON.stringify(rules),
      );
    }
  });
});
