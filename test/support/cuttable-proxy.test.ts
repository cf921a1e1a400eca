/** The cuttable proxy: passes bytes both ways; a cut kills open sockets and refuses new ones. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCuttableProxy, type CuttableProxy } from './cuttable-proxy';

let echo: Server;
let echoPort: number;
let proxy: CuttableProxy;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  echoPort = await new Promise<number>((resolve) =>
    echo.listen(0, '127.0.0.1', () => resolve((echo.address() as { port: number }).port)),
  );
  proxy = await startCuttableProxy({ targetPort: echoPort });
});
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data) => resolve(data.toString()));
    socket.write(text);
  });
}

test('cut destroys open connections and refuses new ones; restore serves on the same port', async () => {
  const open = await connect(proxy.port);
  expect(await roundTrip(open, 'hello')).toBe('hello');
  expect(proxy.connections).toBe(1);

  const closed = new Promise((resolve) => open.once('close', resolve));
  await proxy.cut();
  await closed; // the long-lived connection (a websocket, say) is gone
  expect(proxy.isCut).toBe(true);
  await expect(connect(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

  await proxy.restore();
  const again = await connect(proxy.port);
  expect(await roundTrip(again, 'back')).toBe('back');
  again.destroy();
  expect(proxy.connections).toBe(2);
});

test('dropEvery cuts open connections each time the byte budget is spent, and keeps listening', async () => {
  const sentBefore = proxy.upstreamBytes;
  proxy.dropEvery(10);
  try {
    const first = await connect(proxy.port);
    expect(await roundTrip(first, 'four')).toBe('four'); // 4 bytes: under the budget
    const closed = new Promise((resolve) => first.once('close', resolve));
    first.write('seven!!'); // the 10th byte spends the budget: the rest is lost, the link drops
    await closed;
    expect(proxy.drops).toBe(1);
    // The port still listens: the next request gets through, with a fresh budget.
    const second = await connect(proxy.port);
    expect(await roundTrip(second, 'again')).toBe('again');
    second.destroy();
    expect(proxy.upstreamBytes - sentBefore).toBe(4 + 6 + 5); // the bytes past the budget never left
  } finally {
    proxy.dropEvery(undefined);
  }
});
