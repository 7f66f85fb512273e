/**
 * A stand-in of the documented S3 checksum API on loopback, for what s3rver lacks (it ignores checksums,
 * DESIGN §4). It is not S3: it implements, in memory and path-style, just the calls `storage copy/verify`
 * make, and of the checksum algorithms only SHA-256, as the S3 user guide ("Checking object integrity")
 * and API reference document them:
 *  - PutObject / UploadPart carry `x-amz-checksum-sha256` (base64) as a header, or as a trailer of an
 *    `aws-chunked` body (`x-amz-trailer: x-amz-checksum-sha256`, what the SDK sends for a streamed body); a
 *    body whose SHA-256 is not the one sent is refused with 400 BadDigest and nothing is kept;
 *  - CreateMultipartUpload with `x-amz-checksum-algorithm: SHA256` makes a composite checksum: each part keeps
 *    its SHA-256, CompleteMultipartUpload must list each part's `ChecksumSHA256` (else 400 InvalidPart), and
 *    the object's checksum is base64(SHA-256(part digests…))-N, `x-amz-checksum-type: COMPOSITE`;
 *  - HeadObject with `x-amz-checksum-mode: ENABLED` and GetObjectAttributes (`Checksum`, `ObjectSize`,
 *    `ETag`) return the checksum kept; without checksum mode HeadObject does not;
 *  - plus what the copy needs around it: buckets, ListObjectsV2 (prefix, delimiter), GetObject (Range, If-Match), object tags,
 *    DeleteObject, ListMultipartUploads, AbortMultipartUpload. Signatures are not checked.
 * For the parallel parts: `counts.partsAtOnce` is the most UploadPart requests open at once, and `slowParts`
 * holds each UploadPart's answer back so that overlap shows.
 * Faults for tests: `corruptNext` flips a byte of the next matching upload as it arrives (in transit), and
 * `replaceBytes` changes an object's bytes keeping its ETag, metadata and tags (a writer, or a stand-in, that
 * keeps an ETag while the bytes change), with the checksum S3 would compute for the new bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  tags: Array<{ Key: string; Value: string }>;
  checksum?: string;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

interface Upload {
  bucket: string;
  key: string;
  sha256: boolean;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  parts: Map<number, { body: Buffer; etag: string; checksum?: string }>;
}

export interface S3ChecksumStandIn {
  endpoint: string;
  /** Uploads (PutObject, UploadPart) taken and refused for their checksum; GetObject calls (bodies read). */
  counts: {
    put: number;
    part: number;
    refused: number;
    get: number;
    partsAtOnce: number;
    /** HeadObject calls in checksum mode. */
    checksumHeads: number;
  };
  /**
   * Whether a PutObject's answer carries the checksum it was taken with (S3's does, `x-amz-checksum-sha256`).
   * @default true
   */
  answerPutChecksums(on: boolean): void;
  /** Each UploadPart is answered `ms` later. */
  slowParts(ms: number): void;
  /** The next upload of `key` (part `part`, if given) arrives with one byte flipped. */
  corruptNext(key: string, part?: number): void;
  replaceBytes(bucket: string, key: string, body: Buffer): void;
  object(bucket: string, key: string): StoredObject | undefined;
  close(): Promise<void>;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** The decoded body of an `aws-chunked` request and its trailers. */
function decodeChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = parseInt(raw.subarray(at, eol).toString().split(';')[0] as string, 16);
    at = eol + 2;
    if (size === 0) break;
    chunks.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of raw.subarray(at).toString().split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(chunks), trailers };
}

export async function startS3ChecksumStandIn(): Promise<S3ChecksumStandIn> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const uploads = new Map<string, Upload>();
  const counts = { put: 0, part: 0, refused: 0, get: 0, partsAtOnce: 0, checksumHeads: 0 };
  let putChecksumAnswered = true;
  let partDelayMs = 0;
  let partsOpen = 0;
  const corrupt: Array<{ key: string; part?: number }> = [];

  const send = (
    res: http.ServerResponse,
    status: number,
    body = '',
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { ...(body ? { 'content-type': 'application/xml' } : {}), ...headers });
    res.end(body);
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(
      res,
      status,
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`,
    );

  const objectHeaders = (req: http.IncomingMessage) => {
    const headers: Record<string, string> = {};
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value !== 'string') continue;
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
      else if (
        ['content-type', 'cache-control', 'content-disposition', 'content-language'].includes(name) ||
        (name === 'content-encoding' && !value.includes('aws-chunked'))
      )
        headers[name] = value;
    }
    return { headers, metadata };
  };

  /** The body as sent, its checksum (header or trailer), after any fault injected for it. */
  const received = (req: http.IncomingMessage, raw: Buffer, key: string, part?: number) => {
    const chunked =
      String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
      String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
    const { body, trailers } = chunked ? decodeChunked(raw) : { body: raw, trailers: {} };
    const sent =
      (req.headers['x-amz-checksum-sha256'] as string | undefined) ?? trailers['x-amz-checksum-sha256'];
    const at = corrupt.findIndex((c) => c.key === key && c.part === part);
    if (at >= 0 && body.length > 0) {
      corrupt.splice(at, 1);
      const middle = Math.floor(body.length / 2);
      body[middle] = (body[middle] ?? 0) ^ 0xff;
    }
    return { body, sent };
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
      counts.partsAtOnce = Math.max(counts.partsAtOnce, ++partsOpen);
      res.once('finish', () => partsOpen--);
    }
    const raw: Buffer[] = [];
    req.on('data', (c: Buffer) => raw.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucketName = '', ...rest] = url.pathname.split('/');
      const bucket = decodeURIComponent(bucketName);
      const key = rest.map(decodeURIComponent).join('/');
      const q = url.searchParams;
      const objects = buckets.get(bucket);
      const method = req.method ?? 'GET';
      const body = Buffer.concat(raw);

      if (!key) {
        if (method === 'PUT') {
          if (!objects) buckets.set(bucket, new Map());
          return send(res, 200);
        }
        if (!objects) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
        if (method === 'HEAD') return send(res, 200);
        if (q.has('uploads')) {
          const listed = [...uploads.entries()]
            .filter(([, u]) => u.bucket === bucket)
            .map(([id, u]) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${id}</UploadId></Upload>`);
          return send(
            res,
            200,
            `<ListMultipartUploadsResult><Bucket>${xml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${listed.join('')}</ListMultipartUploadsResult>`,
          );
        }
        if (q.has('versioning')) return send(res, 200, '<VersioningConfiguration/>');
        // ListObjects(V2) with `prefix` and `delimiter` (keys sharing what follows the prefix up to the
        // delimiter are rolled up into one CommonPrefixes entry), in one page.
        const prefix = q.get('prefix') ?? '';
        const delimiter = q.get('delimiter') ?? '';
        const contents: string[] = [];
        const common = new Set<string>();
        for (const [k, o] of [...objects.entries()].sort(([a], [b]) =>
          Buffer.compare(Buffer.from(a), Buffer.from(b)),
        )) {
          if (!k.startsWith(prefix)) continue;
          const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
          if (cut >= 0) common.add(k.slice(0, cut + delimiter.length));
          else
            contents.push(
              `<Contents><Key>${xml(k)}</Key><Size>${o.body.length}</Size><ETag>"${o.etag}"</ETag><LastModified>${o.lastModified.toISOString()}</LastModified></Contents>`,
            );
        }
        const prefixes = [...common].map(
          (p) => `<CommonPrefixes><Prefix>${xml(p)}</Prefix></CommonPrefixes>`,
        );
        return send(
          res,
          200,
          `<ListBucketResult><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length + prefixes.length}</KeyCount><IsTruncated>false</IsTruncated>${contents.join('')}${prefixes.join('')}</ListBucketResult>`,
        );
      }
      if (!objects) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      const object = objects.get(key);

      if (method === 'POST' && q.has('uploads')) {
        const id = randomUUID();
        uploads.set(id, {
          bucket,
          key,
          sha256: req.headers['x-amz-checksum-algorithm'] === 'SHA256',
          ...objectHeaders(req),
          parts: new Map(),
        });
        return send(
          res,
          200,
          `<InitiateMultipartUploadResult><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
          req.headers['x-amz-checksum-algorithm'] ? { 'x-amz-checksum-algorithm': 'SHA256' } : {},
        );
      }
      const uploadId = q.get('uploadId');
      if (uploadId !== null) {
        const upload = uploads.get(uploadId);
        if (!upload) return error(res, 404, 'NoSuchUpload', 'The specified upload does not exist');
        if (method === 'DELETE') {
          uploads.delete(uploadId);
          return send(res, 204);
        }
        if (method === 'PUT') {
          const number = Number(q.get('partNumber'));
          const part = received(req, body, key, number);
          const digest = sha256(part.body).toString('base64');
          if (part.sent !== undefined && part.sent !== digest) {
            counts.refused++;
            return error(
              res,
              400,
              'BadDigest',
              'The SHA256 you specified did not match the calculated checksum.',
            );
          }
          counts.part++;
          const etag = md5(part.body);
          upload.parts.set(number, {
            body: part.body,
            etag,
            ...(upload.sha256 ? { checksum: digest } : {}),
          });
          const answer = () =>
            send(res, 200, '', {
              etag: `"${etag}"`,
              ...(upload.sha256 ? { 'x-amz-checksum-sha256': digest } : {}),
            });
          if (partDelayMs > 0) return void setTimeout(answer, partDelayMs);
          return answer();
        }
        // CompleteMultipartUpload
        const listed = [...body.toString().matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] as string)?.[1]),
          checksum: /<ChecksumSHA256>([^<]*)<\/ChecksumSHA256>/.exec(m[1] as string)?.[1],
        }));
        const parts = listed.map((p) => upload.parts.get(p.number));
        for (const [i, p] of listed.entries()) {
          const kept = parts[i];
          if (!kept || (upload.sha256 && p.checksum !== kept.checksum))
            return error(
              res,
              400,
              'InvalidPart',
              `part ${p.number} is missing or its checksum is not the one kept`,
            );
        }
        const whole = Buffer.concat(parts.map((p) => p!.body));
        const etag = `${md5(Buffer.concat(parts.map((p) => Buffer.from(p!.etag, 'hex'))))}-${parts.length}`;
        const checksum = upload.sha256
          ? `${createHash('sha256')
              .update(Buffer.concat(parts.map((p) => Buffer.from(p!.checksum as string, 'base64'))))
              .digest('base64')}-${parts.length}`
          : undefined;
        objects.set(key, {
          body: whole,
          etag,
          lastModified: new Date(),
          headers: upload.headers,
          metadata: upload.metadata,
          tags: [],
          ...(checksum ? { checksum, checksumType: 'COMPOSITE' as const } : {}),
        });
        uploads.delete(uploadId);
        return send(
          res,
          200,
          `<CompleteMultipartUploadResult><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><ETag>"${etag}"</ETag>${checksum ? `<ChecksumSHA256>${checksum}</ChecksumSHA256><ChecksumType>COMPOSITE</ChecksumType>` : ''}</CompleteMultipartUploadResult>`,
        );
      }

      if (q.has('tagging')) {
        if (!object) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        if (method === 'PUT') {
          object.tags = [
            ...body.toString().matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g),
          ].map((m) => ({ Key: m[1] as string, Value: m[2] as string }));
          return send(res, 200);
        }
        const tags = object.tags.map(
          (t) => `<Tag><Key>${xml(t.Key)}</Key><Value>${xml(t.Value)}</Value></Tag>`,
        );
        return send(res, 200, `<Tagging><TagSet>${tags.join('')}</TagSet></Tagging>`);
      }
      if (method === 'PUT') {
        const put = received(req, body, key);
        const digest = sha256(put.body).toString('base64');
        if (put.sent !== undefined && put.sent !== digest) {
          counts.refused++;
          return error(
            res,
            400,
            'BadDigest',
            'The SHA256 you specified did not match the calculated checksum.',
          );
        }
        const signed = req.headers['x-amz-content-sha256'];
        if (
          typeof signed === 'string' &&
          /^[0-9a-f]{64}$/.test(signed) &&
          signed !== sha256(put.body).toString('hex')
        )
          return error(
            res,
            400,
            'XAmzContentSHA256Mismatch',
            'The provided x-amz-content-sha256 header does not match what was computed.',
          );
        counts.put++;
        const etag = md5(put.body);
        objects.set(key, {
          body: put.body,
          etag,
          lastModified: new Date(),
          ...objectHeaders(req),
          tags: [],
          ...(put.sent ? { checksum: digest, checksumType: 'FULL_OBJECT' as const } : {}),
        });
        return send(res, 200, '', {
          etag: `"${etag}"`,
          ...(put.sent && putChecksumAnswered
            ? { 'x-amz-checksum-sha256': digest, 'x-amz-checksum-type': 'FULL_OBJECT' }
            : {}),
        });
      }
      if (method === 'DELETE') {
        objects.delete(key);
        return send(res, 204);
      }
      if (!object) {
        if (method === 'HEAD') return send(res, 404);
        return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      }
      const ifMatch = req.headers['if-match'];
      if (ifMatch && ifMatch.replace(/"/g, '') !== object.etag) {
        if (method === 'HEAD') return send(res, 412);
        return error(
          res,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      if (q.has('attributes')) {
        return send(
          res,
          200,
          `<GetObjectAttributesResponse><ETag>${object.etag}</ETag>${object.checksum ? `<Checksum><ChecksumSHA256>${object.checksum}</ChecksumSHA256><ChecksumType>${object.checksumType}</ChecksumType></Checksum>` : ''}<ObjectSize>${object.body.length}</ObjectSize></GetObjectAttributesResponse>`,
          { 'last-modified': object.lastModified.toUTCString() },
        );
      }
      const checksumMode = req.headers['x-amz-checksum-mode'] === 'ENABLED' && object.checksum;
      const headers: Record<string, string> = {
        ...object.headers,
        ...Object.fromEntries(Object.entries(object.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
        etag: `"${object.etag}"`,
        'last-modified': object.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        ...(checksumMode
          ? {
              'x-amz-checksum-sha256': object.checksum as string,
              'x-amz-checksum-type': object.checksumType as string,
            }
          : {}),
      };
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Math.min(Number(range[2]), object.body.length - 1) : object.body.length - 1;
      const slice = object.body.subarray(start, end + 1);
      headers['content-length'] = String(slice.length);
      if (range) headers['content-range'] = `bytes ${start}-${end}/${object.body.length}`;
      if (method === 'GET') counts.get++;
      if (method === 'HEAD' && checksumMode) counts.checksumHeads++;
      res.writeHead(range ? 206 : 200, headers);
      res.end(method === 'HEAD' ? undefined : slice);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    corruptNext: (key, part) => corrupt.push({ key, ...(part !== undefined ? { part } : {}) }),
    slowParts: (ms) => {
      partDelayMs = ms;
    },
    answerPutChecksums: (on) => {
      putChecksumAnswered = on;
    },
    replaceBytes(bucket, key, replacement) {
      const object = buckets.get(bucket)?.get(key);
      if (!object) throw new Error(`no ${bucket}/${key} in the stand-in`);
      object.body = replacement;
      if (object.checksumType === 'FULL_OBJECT') object.checksum = sha256(replacement).toString('base64');
    },
    object: (bucket, key) => buckets.get(bucket)?.get(key),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
