/**
 * A loopback TCP proxy in front of a server port that a test can cut and restore.
 *
 * Playwright's offline mode (`context.setOffline(true)`) does not cut websockets, so
 * the live channel (`/ws/<docId>`) would keep working "offline". Point the browser
 * at the proxy instead of the server: `cut()` destroys every open connection (HTTP
 * keep-alive and websockets alike) and refuses new ones (the port stops listening:
 * ECONNREFUSED); `restore()` listens again on the same port.
 *
 *   const proxy = await startCuttableProxy({ targetPort: server.port });
 *   await page.goto(proxy.url);   // everything, /ws included, goes through it
 *   await proxy.cut();            // the tablet is offline, live channel too
 *   await proxy.restore();
 *   await proxy.close();
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface CuttableProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly isCut: boolean;
  /** Connections accepted so far (tests: proof traffic went through the proxy). */
  readonly connections: number;
  /** Bytes sent from the browser to the server through the proxy so far. */
  readonly upstreamBytes: number;
  /** Connections dropped by `dropEvery` so far. */
  readonly drops: number;
  /**
   * A flaky link: every `bytes` sent upstream, every open connection is dropped
   * mid-transfer (the port keeps listening, so the next request gets through).
   * `undefined` stops dropping.
   */
  dropEvery(bytes: number | undefined): void;
  /** Destroys every open connection and stops accepting new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface CuttableProxyOptions {
  readonly targetPort: number;
  readonly targetHost?: string;
  /** Default 0: any free port. */
  readonly port?: number;
}

export async function startCuttableProxy(options: CuttableProxyOptions): Promise<CuttableProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let connections = 0;
  let isCut = false;
  let upstreamBytes = 0;
  let drops = 0;
  let dropBudget: number | undefined;
  let sinceDrop = 0;
  let server: Server;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const newServer = () =>
    createServer((client) => {
      if (isCut) {
        client.destroy();
        return;
      }
      connections++;
      const upstream = createConnection({ host: targetHost, port: options.targetPort });
      track(client);
      track(upstream);
      // Browser → server by hand (not pipe): a drop can fall inside a request.
      client.on('data', (chunk: Buffer) => {
        let data = chunk;
        let drop = false;
        if (dropBudget !== undefined && sinceDrop + data.length >= dropBudget) {
          data = data.subarray(0, dropBudget - sinceDrop);
          drop = true;
        }
        upstreamBytes += data.length;
        sinceDrop += data.length;
        const flowing = upstream.write(data);
        if (drop) {
          sinceDrop = 0;
          drops++;
          // The part before the budget reaches the server, the rest never does.
          setImmediate(destroyAll);
        } else if (!flowing) {
          client.pause();
          upstream.once('drain', () => client.resume());
        }
      });
      upstream.pipe(client);
      // Either side failing or closing takes the other down: no half-open pairs.
      const teardown = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', teardown);
      upstream.on('error', teardown);
      client.on('close', teardown);
      upstream.on('close', teardown);
    });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = newServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const port = await listen(options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get isCut() {
      return isCut;
    },
    get connections() {
      return connections;
    },
    get upstreamBytes() {
      return upstreamBytes;
    },
    get drops() {
      return drops;
    },
    dropEvery(bytes) {
      dropBudget = bytes;
      sinceDrop = 0;
    },
    async cut() {
      isCut = true;
      const closed = stopListening();
      destroyAll();
      await closed;
    },
    async restore() {
      if (!isCut) return;
      await listen(port);
      isCut = false;
    },
    async close() {
      isCut = true;
      const closed = stopListening();
      destroyAll();
      await closed;
    },
  };
}
