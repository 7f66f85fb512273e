/**
 * loadSecrets against a tiny local HTTP server speaking Secrets Manager's documented wire protocol
 * (AWS JSON 1.1: POST / with X-Amz-Target: secretsmanager.GetSecretValue). The SDK client is real; only
 * the AWS endpoint is stood in for, since real AWS cannot be reached from tests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { loadSecrets, SecretsErrorCode } from '@supa2aws/runtime/secrets';
import { isSupa2awsError } from '../../src/core/errors.ts';

const SECRET_VALUE = 'pg-pass-Zq93!xx';
type Reply = { status: number; body: unknown; errorType?: string };
const secrets: Record<string, Reply> = {
  'app/config': {
    status: 200,
    body: {
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/config-AbCdEf',
      Name: 'app/config',
      VersionId: 'v-1',
      SecretString: JSON.stringify({
        DATABASE_URL: `postgres://app:${SECRET_VALUE}@db.example.com:5432/aiuteur`,
        GOOGLE_API_KEY: 'g-key-123',
        POOL_MAX: 7,
        FEATURE_ON: true,
        NESTED: { a: 1 },
        NOTHING: null,
      }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1.7e9,
    },
  },
  'app/binary': {
    status: 200,
    body: { Name: 'app/binary', SecretBinary: Buffer.from('{"KEY":"from-binary"}').toString('base64') },
  },
  'app/plain': { status: 200, body: { Name: 'app/plain', SecretString: SECRET_VALUE } },
  'app/array': { status: 200, body: { Name: 'app/array', SecretString: '["a","b"]' } },
  'app/denied': {
    status: 400,
    errorType: 'AccessDeniedException',
    body: {
      __type: 'AccessDeniedException',
      message: 'User: arn:aws:sts::1:assumed-role/task is not authorized',
    },
  },
  'app/kms': {
    status: 400,
    body: { __type: 'DecryptionFailure', Message: 'cannot decrypt with the KMS key' },
  },
  'app/deleted': {
    status: 400,
    body: { __type: 'InvalidRequestException', Message: 'secret is marked for deletion' },
  },
};

let server: http.Server;
let endpoint: string;
const seen: Array<{
  target: string | undefined;
  contentType: string | undefined;
  body: Record<string, unknown>;
}> = [];

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { SecretId: string };
      seen.push({
        target: req.headers['x-amz-target'] as string | undefined,
        contentType: req.headers['content-type'],
        body,
      });
      const reply: Reply = secrets[body.SecretId] ?? {
        status: 400,
        errorType: 'ResourceNotFoundException',
        body: {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        },
      };
      res.statusCode = reply.status;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (reply.errorType)
        res.setHeader('x-amzn-errortype', `${reply.errorType}:http://internal.amazon.com/`);
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const base = () => ({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
});

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSupa2awsError(error), `expected a coded error, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.hint, 'every error carries a hint');
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('loadSecrets', () => {
  it('GIVEN a JSON secret WHEN loaded THEN values are strings and the request is GetSecretValue', async () => {
    const loaded = await loadSecrets({ ...base(), secretId: 'app/config' });
    assert.equal(loaded.values.GOOGLE_API_KEY, 'g-key-123');
    assert.equal(loaded.values.POOL_MAX, '7');
    assert.equal(loaded.values.FEATURE_ON, 'true');
    assert.equal(loaded.values.NESTED, '{"a":1}');
    assert.ok(!('NOTHING' in loaded.values));
    assert.equal(loaded.versionId, 'v-1');
    assert.deepEqual(loaded.applied, []);
    const last = seen.at(-1)!;
    assert.equal(last.target, 'secretsmanager.GetSecretValue');
    assert.equal(last.contentType, 'application/x-amz-json-1.1');
    assert.deepEqual(last.body, { SecretId: 'app/config', VersionStage: 'AWSCURRENT' });
  });

  it('GIVEN a loaded secret WHEN it is logged THEN no value appears, only the keys', async () => {
    const loaded = await loadSecrets({ ...base(), secretId: 'app/config' });
    for (const text of [JSON.stringify(loaded), inspect(loaded, { depth: 5 }), inspect(loaded.values)]) {
      assert.ok(!text.includes(SECRET_VALUE), text);
      assert.ok(!text.includes('g-key-123'), text);
      assert.ok(text.includes('DATABASE_URL'));
    }
    assert.deepEqual(Object.keys(loaded.values).sort(), [
      'DATABASE_URL',
      'FEATURE_ON',
      'GOOGLE_API_KEY',
      'NESTED',
      'POOL_MAX',
    ]);
  });

  it('GIVEN mergeIntoEnv WHEN a variable is already set THEN it wins unless overwrite', async () => {
    const env: Record<string, string | undefined> = { GOOGLE_API_KEY: 'set-explicitly', POOL_MAX: '' };
    const loaded = await loadSecrets({ ...base(), secretId: 'app/config', mergeIntoEnv: true, env });
    assert.equal(env.GOOGLE_API_KEY, 'set-explicitly');
    assert.equal(env.POOL_MAX, '7', 'an empty variable counts as unset');
    assert.match(env.DATABASE_URL ?? '', /^postgres:\/\//);
    assert.deepEqual(loaded.kept, ['GOOGLE_API_KEY']);
    assert.ok(loaded.applied.includes('DATABASE_URL'));

    const again = await loadSecrets({
      ...base(),
      secretId: 'app/config',
      mergeIntoEnv: true,
      env,
      overwrite: true,
    });
    assert.equal(env.GOOGLE_API_KEY, 'g-key-123');
    assert.deepEqual(again.kept, []);
  });

  it('GIVEN a binary secret holding JSON text WHEN loaded THEN it is parsed', async () => {
    const loaded = await loadSecrets({ ...base(), secretId: 'app/binary' });
    assert.equal(loaded.values.KEY, 'from-binary');
  });

  it('GIVEN a missing secret THEN SECRETS_NOT_FOUND', async () => {
    const error = await rejectsWith(
      loadSecrets({ ...base(), secretId: 'app/nope' }),
      SecretsErrorCode.notFound,
    );
    assert.match(error.message, /app\/nope/);
  });

  it('GIVEN access denied THEN SECRETS_ACCESS_DENIED with a permission exit', async () => {
    const error = await rejectsWith(
      loadSecrets({ ...base(), secretId: 'app/denied' }),
      SecretsErrorCode.accessDenied,
    );
    assert.equal((error as { exitCode?: number }).exitCode, 4);
  });

  it('GIVEN a KMS failure THEN SECRETS_DECRYPT_FAILED', async () => {
    await rejectsWith(loadSecrets({ ...base(), secretId: 'app/kms' }), SecretsErrorCode.decrypt);
  });

  it('GIVEN a secret scheduled for deletion THEN SECRETS_INVALID_REQUEST', async () => {
    await rejectsWith(loadSecrets({ ...base(), secretId: 'app/deleted' }), SecretsErrorCode.invalidRequest);
  });

  it('GIVEN a plain-text secret THEN SECRETS_NOT_JSON and the value is not quoted', async () => {
    const error = await rejectsWith(
      loadSecrets({ ...base(), secretId: 'app/plain' }),
      SecretsErrorCode.notJson,
    );
    assert.ok(
      !JSON.stringify({ m: error.message, d: (error as { details?: unknown }).details }).includes(
        SECRET_VALUE,
      ),
    );
    assert.ok(!inspect(error).includes(SECRET_VALUE));
  });

  it('GIVEN a JSON array THEN SECRETS_NOT_JSON', async () => {
    await rejectsWith(loadSecrets({ ...base(), secretId: 'app/array' }), SecretsErrorCode.notJson);
  });

  it('GIVEN nothing listening THEN SECRETS_UNREACHABLE, retryable, within the timeout', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejectsWith(
      loadSecrets({
        ...base(),
        endpoint: `http://127.0.0.1:${port}`,
        secretId: 'app/config',
        timeoutMs: 3000,
      }),
      SecretsErrorCode.unreachable,
    );
    assert.equal((error as { retryable?: boolean }).retryable, true);
  });

  it('GIVEN no secret ID or no region THEN SECRETS_OPTIONS_INVALID before any request', async () => {
    const before = seen.length;
    await rejectsWith(loadSecrets({ ...base(), secretId: '' }), SecretsErrorCode.options);
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      await rejectsWith(loadSecrets({ endpoint, secretId: 'app/config' }), SecretsErrorCode.options);
    } finally {
      if (saved.r !== undefined) process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
    }
    assert.equal(seen.length, before);
  });
});
