/**
 * "Notify me of urgent consults on this device": every state of the switch,
 * against a fake push manager and a fake server that record what they were
 * asked (a real push service is not reachable from a test).
 */
import { describe, expect, test } from 'vitest';
import { err, ok, type Result } from '@outpost/shared/result';
import {
  base64UrlToBytes,
  createWebPush,
  type PushApiError,
  type PushDeps,
  type PushManagerLike,
  type PushOwner,
  type PushSubscriptionLike,
} from './web-push';

// A P-256 public key is 65 bytes; any 65 bytes do for the browser fake.
const KEY_BYTES = Uint8Array.from({ length: 65 }, (_, i) => (i * 7 + 4) % 256);
const PUBLIC_KEY = btoa(String.fromCharCode(...KEY_BYTES))
  .replace(/\+/g, '-')
  .replace(/\//g, '_')
  .replace(/=+$/, '');
const ENDPOINT = 'https://fcm.googleapis.com/fcm/send/fictional-endpoint';

class FakeSubscription implements PushSubscriptionLike {
  readonly endpoint: string;
  readonly options: { applicationServerKey: ArrayBuffer };
  unsubscribed = false;
  constructor(
    private readonly manager: FakePushManager,
    key: Uint8Array,
    endpoint = ENDPOINT,
  ) {
    this.endpoint = endpoint;
    this.options = { applicationServerKey: key.slice().buffer };
  }
  toJSON() {
    return {
      endpoint: this.endpoint,
      expirationTime: null,
      keys: { p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) },
    };
  }
  unsubscribe(): Promise<boolean> {
    this.unsubscribed = true;
    if (this.manager.current === this) this.manager.current = null;
    return Promise.resolve(true);
  }
}

class FakePushManager implements PushManagerLike {
  current: FakeSubscription | null = null;
  subscribeCalls: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }[] = [];
  failSubscribe = false;
  getSubscription(): Promise<PushSubscriptionLike | null> {
    return Promise.resolve(this.current);
  }
  subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) {
    this.subscribeCalls.push(options);
    if (this.failSubscribe)
      return Promise.reject(new Error('Registration failed - push service error'));
    this.current = new FakeSubscription(this, options.applicationServerKey);
    return Promise.resolve(this.current);
  }
}

interface Call {
  readonly path: string;
  readonly method: string;
  readonly body?: unknown;
}

function setup(
  options: {
    permission?: NotificationPermission | undefined;
    answer?: NotificationPermission;
    configured?: boolean;
    offline?: boolean;
    refuseSubscription?: boolean;
    noPushManager?: boolean;
  } = {},
) {
  const manager = new FakePushManager();
  const calls: Call[] = [];
  let permission = 'permission' in options ? options.permission : 'default';
  let owner: PushOwner | undefined;
  let asked = 0;
  const fail = (status: number, code: string): Result<never, PushApiError> =>
    err({ status, code, message: code });
  const api: PushDeps['api'] = <T>(
    path: string,
    init: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown } = {},
  ): Promise<Result<T, PushApiError>> => {
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    calls.push({ path, method, ...(init.body === undefined ? {} : { body: init.body }) });
    if (options.offline) return Promise.resolve(fail(0, 'offline'));
    if (options.configured === false) return Promise.resolve(fail(501, 'push_not_configured'));
    if (path === '/api/push/public-key') return Promise.resolve(ok({ publicKey: PUBLIC_KEY } as T));
    if (method === 'POST' && options.refuseSubscription)
      return Promise.resolve(fail(400, 'invalid_field'));
    if (method === 'POST') return Promise.resolve(ok({ subscribed: true } as T));
    return Promise.resolve(ok({ unsubscribed: true } as T));
  };
  const push = createWebPush({
    pushManager: () => Promise.resolve(options.noPushManager ? undefined : manager),
    permission: () => permission,
    requestPermission: () => {
      asked++;
      permission = options.answer ?? 'granted';
      return Promise.resolve(permission);
    },
    api,
    readOwner: () => owner,
    writeOwner: (next) => (owner = next),
  });
  return {
    push,
    manager,
    calls,
    owner: () => owner,
    asked: () => asked,
    setPermission: (next: NotificationPermission) => (permission = next),
  };
}

describe('Web Push for a specialist', () => {
  test('turning on asks permission, subscribes with the server key (user-visible only) and registers it', async () => {
    const t = setup();
    expect(await t.push.status('chiku')).toEqual({ kind: 'off' });
    expect(await t.push.turnOn('chiku')).toEqual({ kind: 'on' });
    expect(t.asked()).toBe(1);
    expect(t.manager.subscribeCalls).toHaveLength(1);
    expect(t.manager.subscribeCalls[0]?.userVisibleOnly).toBe(true);
    expect([...(t.manager.subscribeCalls[0]?.applicationServerKey ?? [])]).toEqual([...KEY_BYTES]);
    expect(t.calls.at(-1)).toEqual({
      path: '/api/push/subscriptions',
      method: 'POST',
      body: {
        endpoint: ENDPOINT,
        expirationTime: null,
        keys: { p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) },
      },
    });
    expect(t.owner()).toEqual({ userId: 'chiku', endpoint: ENDPOINT });
    expect(await t.push.status('chiku')).toEqual({ kind: 'on' });
  });

  test('turning off unregisters with the server, then unsubscribes the browser', async () => {
    const t = setup({ permission: 'granted' });
    await t.push.turnOn('chiku');
    const subscription = t.manager.current;
    expect(await t.push.turnOff()).toEqual({ kind: 'off' });
    expect(t.calls.at(-1)).toEqual({
      path: '/api/push/subscriptions',
      method: 'DELETE',
      body: { endpoint: ENDPOINT },
    });
    expect(subscription?.unsubscribed).toBe(true);
    expect(t.owner()).toBeUndefined();
    expect(await t.push.status('chiku')).toEqual({ kind: 'off' });
  });

  test('offline, turning off still unsubscribes the browser (the server drops the endpoint when the push service answers 410)', async () => {
    const t = setup({ permission: 'granted' });
    await t.push.turnOn('chiku');
    const subscription = t.manager.current;
    const offline = createWebPush({
      pushManager: () => Promise.resolve(t.manager),
      permission: () => 'granted',
      requestPermission: () => Promise.resolve('granted'),
      api: () => Promise.resolve(err({ code: 'offline', message: 'offline', status: 0 })),
      readOwner: t.owner,
      writeOwner: () => undefined,
    });
    expect(await offline.turnOff()).toEqual({ kind: 'off' });
    expect(subscription?.unsubscribed).toBe(true);
  });

  test('a server without VAPID keys (501) says "not configured", before and after a tap, and nothing is subscribed', async () => {
    const t = setup({ configured: false, permission: 'granted' });
    expect(await t.push.status('chiku')).toEqual({ kind: 'not-configured' });
    expect(await t.push.turnOn('chiku')).toEqual({ kind: 'not-configured' });
    expect(t.manager.subscribeCalls).toEqual([]);
  });

  test('notifications blocked in the browser: "blocked", never asked again; a dismissed prompt can be retried', async () => {
    const blocked = setup({ permission: 'denied' });
    expect(await blocked.push.status('chiku')).toEqual({ kind: 'blocked' });
    expect(await blocked.push.turnOn('chiku')).toEqual({ kind: 'blocked' });
    expect(blocked.asked()).toBe(0);

    const refused = setup({ answer: 'denied' });
    expect(await refused.push.turnOn('chiku')).toEqual({ kind: 'blocked' });
    expect(refused.manager.subscribeCalls).toEqual([]);

    const dismissed = setup({ answer: 'default' });
    expect(await dismissed.push.turnOn('chiku')).toMatchObject({
      kind: 'failed',
      code: 'permission_dismissed',
    });
    expect(dismissed.calls).toEqual([]);
  });

  test('a browser without Web Push says so', async () => {
    expect(await setup({ permission: undefined }).push.status('chiku')).toEqual({
      kind: 'unsupported',
    });
    expect(await setup({ noPushManager: true }).push.turnOn('chiku')).toEqual({
      kind: 'unsupported',
    });
  });

  test('a subscription the server refuses is not left in the browser', async () => {
    const t = setup({ permission: 'granted', refuseSubscription: true });
    expect(await t.push.turnOn('chiku')).toMatchObject({ kind: 'failed', code: 'invalid_field' });
    expect(t.manager.current).toBeNull();
    expect(t.owner()).toBeUndefined();
  });

  test('no push service reachable: a clear failure, nothing registered', async () => {
    const t = setup({ permission: 'granted' });
    t.manager.failSubscribe = true;
    expect(await t.push.turnOn('chiku')).toMatchObject({
      kind: 'failed',
      code: 'push_service_unavailable',
    });
    expect(t.calls.filter((call) => call.method === 'POST')).toEqual([]);
  });

  test('one browser, two specialists: on only for the one it is registered for; the other may take it over', async () => {
    const t = setup({ permission: 'granted' });
    await t.push.turnOn('chiku');
    expect(await t.push.status('zawadi')).toEqual({ kind: 'off' });
    expect(await t.push.turnOn('zawadi')).toEqual({ kind: 'on' });
    // The same browser subscription, registered again for her (the server keeps one row per endpoint).
    expect(t.manager.subscribeCalls).toHaveLength(1);
    expect(await t.push.status('chiku')).toEqual({ kind: 'off' });
  });

  test('signing out stops that user’s notifications, not another’s', async () => {
    const t = setup({ permission: 'granted' });
    await t.push.turnOn('chiku');
    await t.push.signingOut('zawadi');
    expect(t.manager.current).not.toBeNull();
    await t.push.signingOut('chiku');
    expect(t.manager.current).toBeNull();
    expect(t.calls.at(-1)).toMatchObject({ method: 'DELETE', body: { endpoint: ENDPOINT } });
  });

  test('a subscription made with an older server key is replaced', async () => {
    const t = setup({ permission: 'granted' });
    const old = new FakeSubscription(t.manager, new Uint8Array(65).fill(9), `${ENDPOINT}-old`);
    t.manager.current = old;
    expect(await t.push.turnOn('chiku')).toEqual({ kind: 'on' });
    expect(old.unsubscribed).toBe(true);
    expect(t.manager.current?.endpoint).toBe(ENDPOINT);
  });

  test('the VAPID key is decoded from base64url', () => {
    expect([...base64UrlToBytes(PUBLIC_KEY)]).toEqual([...KEY_BYTES]);
    expect([...base64UrlToBytes('-_8')]).toEqual([0xfb, 0xff]);
  });
});
