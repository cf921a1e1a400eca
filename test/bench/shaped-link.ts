/**
 * A real-time simulated 2G link for the consult benchmark: a loopback TCP proxy
 * that delivers bytes at 256 kbit/s (both directions share the channel), adds
 * 300 ms each way (600 ms round trip), and cuts every open connection every
 * `cutEveryMs` (new connections are accepted at once, as when a rural link
 * drops and comes back). Bytes are counted as they enter the link, so bytes
 * lost in a cut count as sent: that is what the user paid for.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ShapedLinkOptions {
  readonly targetPort: number;
  readonly bitsPerSecond?: number;
  readonly oneWayDelayMs?: number;
  /** 0: never cut. */
  readonly cutEveryMs?: number;
  /** When the first cut comes (default `cutEveryMs`): a run shorter than the period is still cut. */
  readonly firstCutAfterMs?: number;
}

export interface ShapedLink {
  readonly url: string;
  readonly counters: { up: number; down: number; connections: number; cuts: number };
  close(): Promise<void>;
}

export async function startShapedLink(options: ShapedLinkOptions): Promise<ShapedLink> {
  const bytesPerMs = (options.bitsPerSecond ?? 256_000) / 8 / 1000;
  const delayMs = options.oneWayDelayMs ?? 300;
  const counters = { up: 0, down: 0, connections: 0, cuts: 0 };
  const sockets = new Set<Socket>();
  /** When the shared channel is free again (ms, performance clock). */
  let channelFreeAt = 0;

  const forward = (from: Socket, to: Socket, direction: 'up' | 'down') => {
    from.on('data', (chunk: Buffer) => {
      counters[direction] += chunk.length;
      const now = performance.now();
      channelFreeAt = Math.max(channelFreeAt, now) + chunk.length / bytesPerMs;
      const deliverAt = channelFreeAt + delayMs;
      setTimeout(
        () => {
          if (!to.destroyed) to.write(chunk);
        },
        Math.max(0, deliverAt - now),
      );
    });
    from.on('end', () => {
      const wait = Math.max(0, channelFreeAt + delayMs - performance.now());
      setTimeout(() => to.end(), wait);
    });
  };

  const server = createServer((client) => {
    counters.connections += 1;
    const upstream = connect(options.targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    counters.cuts += 1;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const period = options.cutEveryMs ?? 0;
  if (period > 0) {
    const next = (delay: number) => {
      timer = setTimeout(() => {
        cut();
        next(period);
      }, delay);
    };
    next(options.firstCutAfterMs ?? period);
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counters,
    close: async () => {
      if (timer) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
