/**
 * The simulated 2G link: a loopback TCP proxy in front of a server that counts
 * every byte in each direction exactly as it crosses the wire (HTTP request and
 * status lines, headers, chunk framing and bodies, compressed as sent), plus a
 * `fetch` wrapper that counts HTTP round trips (one per request/response).
 *
 * Link time is computed, not slept: round trips × RTT + (bytes up + bytes down)
 * × 8 / bandwidth, i.e. every request waits one full RTT and both directions
 * share one 256 kbit/s channel. TCP/IP framing and TLS are not counted.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export const LINK_RTT_MS = 600;
export const LINK_BITS_PER_SECOND = 256_000;

/** Seconds on the simulated link for this many round trips and bytes. */
export function linkSeconds(roundTrips: number, bytes: number): number {
  return (roundTrips * LINK_RTT_MS) / 1000 + (bytes * 8) / LINK_BITS_PER_SECOND;
}

export interface LinkCounters {
  /** Bytes client → server on the wire. */
  up: number;
  /** Bytes server → client on the wire. */
  down: number;
  /** HTTP requests (each one round trip). */
  roundTrips: number;
  /**
   * Loopback time from each request to its response headers, summed (ms): the
   * server's processing time, no link delay.
   */
  serverMs: number;
}

export interface CountingLink {
  /** Base URL of the proxy (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly counters: Readonly<LinkCounters>;
  /** A `fetch` that counts round trips; use it for every request over this link. */
  readonly fetch: typeof fetch;
  /** Zeroes the counters (between scenarios). */
  reset(): void;
  /** A copy of the counters now (subtract two with `diffCounters`). */
  snapshot(): LinkCounters;
  close(): Promise<void>;
}

export function diffCounters(after: LinkCounters, before: LinkCounters): LinkCounters {
  return {
    up: after.up - before.up,
    down: after.down - before.down,
    roundTrips: after.roundTrips - before.roundTrips,
    serverMs: after.serverMs - before.serverMs,
  };
}

/** Starts a counting proxy on 127.0.0.1 (port 0) in front of `targetPort`. */
export async function startCountingLink(targetPort: number): Promise<CountingLink> {
  const counters: LinkCounters = { up: 0, down: 0, roundTrips: 0, serverMs: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      counters.up += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      counters.down += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const trace = process.env.BENCH_TRACE === '1';
  const countingFetch: typeof fetch = async (input, init) => {
    counters.roundTrips += 1;
    if (trace) {
      const url = input instanceof Request ? input.url : String(input);
      process.stderr.write(
        `[link] ${init?.method ?? 'GET'} ${url.replace(/^https?:\/\/[^/]+/, '')}\n`,
      );
    }
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      counters.serverMs += performance.now() - started;
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    counters,
    fetch: countingFetch,
    reset() {
      counters.up = 0;
      counters.down = 0;
      counters.roundTrips = 0;
      counters.serverMs = 0;
    },
    snapshot: () => ({ ...counters }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Waits until the proxy has seen no bytes for a moment, so a response's last
 * bytes are counted before a scenario's counters are read.
 */
export async function settle(link: CountingLink, quietMs = 50): Promise<void> {
  let last = link.counters.up + link.counters.down;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = link.counters.up + link.counters.down;
    if (now === last) return;
    last = now;
  }
}
