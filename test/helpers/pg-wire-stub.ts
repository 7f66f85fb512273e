/**
 * A stand-in of PostgreSQL's documented startup handshake (protocol 3.0, "SSL Session Encryption"), for
 * the sslmode matrix: it answers an SSLRequest with 'S' (then TLS with the given certificate) or 'N', and a
 * StartupMessage with AuthenticationOk + ReadyForQuery, or with an ErrorResponse 28000 when plaintext is
 * refused (pg_hba `hostssl`). It records whether each session was encrypted. The real server over TLS is
 * exercised by the integration tests against the sandbox.
 */
import net from 'node:net';
import tls from 'node:tls';

const SSL_REQUEST = 80877103;

export interface WireStubOptions {
  /** PEM key and certificate; without them the stub answers 'N' to an SSLRequest. */
  tls?: { key: string; cert: string };
  /** Refuse sessions that are not encrypted, as `hostssl` does. @default false */
  refusePlaintext?: boolean;
}

export interface WireStub {
  port: number;
  /** One entry per session that got as far as a StartupMessage. */
  sessions: Array<{ encrypted: boolean }>;
  close(): Promise<void>;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function answerStartup(
  socket: net.Socket,
  encrypted: boolean,
  options: WireStubOptions,
  stub: WireStub,
): void {
  stub.sessions.push({ encrypted });
  if (options.refusePlaintext && !encrypted) {
    const fields = Buffer.from('SFATAL\0C28000\0Mno pg_hba.conf entry, no encryption\0\0', 'latin1');
    socket.end(message('E', fields));
    return;
  }
  const authOk = Buffer.alloc(4);
  socket.write(Buffer.concat([message('R', authOk), message('Z', Buffer.from('I', 'latin1'))]));
}

export async function startWireStub(options: WireStubOptions): Promise<WireStub> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (first) => {
      if (first.length >= 8 && first.readInt32BE(4) === SSL_REQUEST) {
        if (!options.tls) {
          socket.write('N');
          socket.once('data', () => answerStartup(socket, false, options, stub));
          return;
        }
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, ...options.tls });
        secure.on('error', () => undefined);
        secure.once('data', () => answerStartup(secure, true, options, stub));
        return;
      }
      answerStartup(socket, false, options, stub);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const stub: WireStub = {
    port: (server.address() as net.AddressInfo).port,
    sessions: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return stub;
}
