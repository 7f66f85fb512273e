/**
 * A TCP forwarder in front of a stand-in, to stage an outage: `pull()` closes the port and cuts every open
 * connection (the next connect is refused, as from a stopped server); `plugIn()` opens the same port again.
 * `hold()` stops forwarding the stand-in's answers (a server that hangs) until `release()`.
 * Works for any protocol over TCP: PostgreSQL, S3, Cognito.
 */
import net from 'node:net';

export interface TcpPlug {
  port: number;
  pull(): Promise<void>;
  plugIn(): Promise<void>;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function tcpPlug(upstreamPort: number): Promise<TcpPlug> {
  const sockets = new Set<net.Socket>();
  let held = false;
  const waiting: Array<() => void> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (held) waiting.push(() => client.write(chunk));
      else client.write(chunk);
    });
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  const pull = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
  };
  return {
    port,
    pull,
    plugIn: async () => {
      await listen(port);
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    close: async () => {
      if (server.listening) await pull();
    },
  };
}
