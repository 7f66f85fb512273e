/**
 * A local reverse proxy standing in for the Frontend stack's CloudFront distribution (real CloudFront
 * cannot run here). It routes by the synthesized template itself: the cache behaviours' path patterns in
 * order, then the default; each behaviour's viewer-request CloudFront Function (its code from the template)
 * rewrites the URI; the load balancer's origin is played by the backend's address (with the secret origin
 * header CloudFront adds), the SPA bucket's by a directory, where a missing key answers 403 as S3 does to
 * origin access control.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs a CloudFront Function's source (JavaScript runtime 2.0 subset) on a URI. */
export function runCloudFrontFunction(source: string): (uri: string) => string {
  const handler = new Function(`${source}; return handler;`)() as (e: { request: { uri: string } }) => {
    uri: string;
  };
  return (uri) => handler({ request: { uri } }).uri;
}

/** CloudFront's path-pattern match: `*` any run of characters, `?` one, case-sensitive. */
export function pathPatternMatches(pattern: string, uri: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(uri);
}

export interface Routed {
  /** The origin as the template declares it (`DomainName`, `S3OriginConfig` or `CustomOriginConfig`, headers). */
  origin: Json;
  /** The URI after the behaviour's viewer-request function. */
  uri: string;
  pathPattern: string;
}

/** What the distribution in `template` does with a viewer URI. */
export function cloudFrontRoute(template: Template, uri: string): Routed {
  const config = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties
    .DistributionConfig as Json;
  const functions = template.findResources('AWS::CloudFront::Function');
  const behaviour =
    ((config.CacheBehaviors ?? []) as Json[]).find((b) => pathPatternMatches(b.PathPattern, uri)) ??
    config.DefaultCacheBehavior;
  const association = (behaviour.FunctionAssociations as Json[] | undefined)?.find(
    (a) => a.EventType === 'viewer-request',
  );
  const code = association
    ? (functions[association.FunctionARN['Fn::GetAtt'][0]]!.Properties.FunctionCode as string)
    : undefined;
  return {
    origin: (config.Origins as Json[]).find((o) => o.Id === behaviour.TargetOriginId)!,
    uri: code ? runCloudFrontFunction(code)(uri) : uri,
    pathPattern: behaviour.PathPattern ?? '*',
  };
}

export interface CloudFrontStandIn {
  /** The distribution's URL (`https://<id>.cloudfront.net` on AWS). */
  url: string;
  /** Every request as routed: viewer method and path, where it went, the path the origin saw. */
  log: Array<{
    method: string;
    viewerPath: string;
    origin: 'api' | 'spa';
    originPath: string;
    status: number;
  }>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export async function startCloudFrontStandIn(options: {
  template: Template;
  /** Where the load balancer origin's requests go, e.g. `http://127.0.0.1:3001`. */
  api: string;
  /** The SPA bucket's contents. */
  spaDir: string;
}): Promise<CloudFrontStandIn> {
  const log: CloudFrontStandIn['log'] = [];
  const server = http.createServer((req, res) => {
    const viewer = new URL(req.url ?? '/', 'http://stand-in');
    const routed = cloudFrontRoute(options.template, viewer.pathname);
    const toApi = routed.origin.S3OriginConfig === undefined;
    const entry = {
      method: req.method ?? 'GET',
      viewerPath: viewer.pathname,
      origin: toApi ? ('api' as const) : ('spa' as const),
      originPath: routed.uri,
      status: 0,
    };
    log.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (toApi) {
      const headers: http.OutgoingHttpHeaders = { ...req.headers };
      delete headers.host;
      for (const h of (routed.origin.OriginCustomHeaders ?? []) as Array<{ HeaderName: string }>) {
        headers[h.HeaderName.toLowerCase()] = 'stand-in-origin-secret';
      }
      const upstream = http.request(
        `${options.api}${routed.uri}${viewer.search}`,
        { method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
      return;
    }
    const file = path.join(options.spaDir, path.normalize(routed.uri).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(options.spaDir) || !existsSync(file) || !statSync(file).isFile()) {
      res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
