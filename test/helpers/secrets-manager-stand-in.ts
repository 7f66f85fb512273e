/**
 * A stand-in for Secrets Manager's GetSecretValue on loopback, speaking its documented wire protocol
 * (AWS JSON 1.1: POST / with X-Amz-Target: secretsmanager.GetSecretValue), for processes that load a JSON
 * secret at boot (`SECRETS_ID`) or read the database password from one (`DATABASE_SECRET_ID`), with
 * `SECRETS_ENDPOINT` pointing here. The sandbox has no Secrets Manager of its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStandIn {
  endpoint: string;
  /** Every SecretId asked for, in order. */
  requested: string[];
  close(): Promise<void>;
}

export async function startSecretsManagerStandIn(
  secrets: Record<string, Record<string, string | number>>,
): Promise<SecretsManagerStandIn> {
  const requested: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      const target = req.headers['x-amz-target'];
      const { SecretId } = JSON.parse(raw || '{}') as { SecretId?: string };
      const value = SecretId ? secrets[SecretId] : undefined;
      if (target !== 'secretsmanager.GetSecretValue' || !SecretId || !value) {
        res.statusCode = 400;
        res.setHeader('x-amzn-errortype', 'ResourceNotFoundException:http://internal.amazon.com/');
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      requested.push(SecretId);
      res.end(
        JSON.stringify({
          ARN: SecretId,
          Name: SecretId.split(':').pop(),
          VersionId: 'v-1',
          SecretString: JSON.stringify(value),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
