/**
 * A TCP forwarder in front of a stand-in, to stage an outage: `pull()` closes the port and cuts every open
 * connection (the next connect is refused, as from a stopped server); `plugIn()` opens the same port again.
 * `hold()` stops forwarding in both directions, sockets left open and unread (a server that hangs mid-query:
 * a stopped process, a wedged proxy) until `release()`; `holdAfter(n)` does so once n more bytes have passed.
 * Works for any protocol over TCP: PostgreSQL, S3, Cognito.
 */
import net from 'node:net';

export interface TcpPlug {
  port: number;
  pull(): Promise<void>;
  plugIn(): Promise<void>;
  hold(): void;
  /** Holds once `bytes` more bytes (either direction) have been forwarded. */
  holdAfter(bytes: number): void;
  /** When the plug last started holding (Date.now()). */
  heldAt(): number | undefined;
  release(): void;
  close(): Promise<void>;
}

export async function tcpPlug(upstreamPort: number): Promise<TcpPlug> {
  const sockets = new Set<net.Socket>();
  let held = false;
  let heldSince: number | undefined;
  let untilHold: number | undefined;
  const waiting: Array<() => void> = [];
  const hold = () => {
    held = true;
    heldSince = Date.now();
    untilHold = undefined;
  };
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (held) {
        from.pause();
        waiting.push(() => {
          to.write(chunk);
          from.resume();
        });
        return;
      }
      to.write(chunk);
      if (untilHold !== undefined && (untilHold -= chunk.length) <= 0) hold();
    });
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
    forward(client, upstream);
    forward(upstream, client);
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
    hold,
    holdAfter: (bytes) => {
      if (bytes <= 0) hold();
      else untilHold = bytes;
    },
    heldAt: () => heldSince,
    release: () => {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    close: async () => {
      if (server.listening) await pull();
    },
  };
}
