import { describe, expect, test } from 'vitest';
import { TransportError } from './engine';
import { SYNC_CONTENT_TYPE, createHttpTransport } from './transport';

const identity = () => ({ deviceId: 'd-1', clinicId: 'c-1', userId: 'u-1' });

async function gunzip(body: BodyInit): Promise<Uint8Array> {
  const stream = new Response(body).body!.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('HTTP sync transport', () => {
  test('posts the request gzip-compressed with the identity headers and returns the body', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const transport = createHttpTransport({
      identity,
      fetch: (url, init) => {
        seen.url = url instanceof Request ? url.url : url.toString();
        seen.init = init;
        return Promise.resolve(new Response(new Uint8Array([9, 8, 7])));
      },
    });
    const body = new Uint8Array(1000).fill(42);
    const response = await transport.send(body, new AbortController().signal);
    expect(response).toEqual(new Uint8Array([9, 8, 7]));
    expect(seen.url).toBe('/api/sync');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.headers).toMatchObject({
      'content-type': SYNC_CONTENT_TYPE,
      'content-encoding': 'gzip',
      'x-outpost-device': 'd-1',
      'x-outpost-clinic': 'c-1',
      'x-outpost-user': 'u-1',
    });
    expect(await gunzip(seen.init!.body!)).toEqual(body);
  });

  test('S13 an HTTP error carries its status and the server error code', async () => {
    const transport = createHttpTransport({
      identity,
      fetch: () =>
        Promise.resolve(
          Response.json({ error: { code: 'unsupported_protocol', message: 'x' } }, { status: 426 }),
        ),
    });
    const failure = await transport
      .send(new Uint8Array([1]), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ kind: 'http', status: 426, code: 'unsupported_protocol' });
  });

  test('a network failure is a network TransportError', async () => {
    const transport = createHttpTransport({
      identity,
      gzip: false,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(
      transport.send(new Uint8Array([1]), new AbortController().signal),
    ).rejects.toMatchObject({
      kind: 'network',
    });
  });
});
