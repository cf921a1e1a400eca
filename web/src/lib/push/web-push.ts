/**
 * Web Push for specialists (issue 7, must-have 4: "for specialists when an
 * urgent consult arrives — in the app, and Web Push where configured";
 * docs/consults.md "Web Push"). What "Notify me of urgent consults on this
 * device" does, as rules over injected browser and server calls, so every
 * state can be tested without a push service:
 *
 * - turning on asks the browser's permission (from the tap), subscribes with
 *   the server's VAPID key (`userVisibleOnly`: every push shows a notification)
 *   and registers the subscription with the server;
 * - turning off (and signing out) unregisters it with the server, then
 *   unsubscribes the browser. If the server cannot be reached the browser still
 *   unsubscribes: the push service then answers the server 404/410 at the next
 *   urgent consult and the server drops the endpoint, so nothing keeps arriving;
 * - a browser has one subscription per app, whoever subscribed it. The tablet
 *   remembers which user it was registered for (`owner`): the switch is "on"
 *   only for that user, and another specialist turning it on takes it over
 *   (the server keeps one row per endpoint).
 *
 * The server answers 501 `push_not_configured` without OUTPOST_VAPID_*: that
 * is a state of its own ("not configured on this server"), not an error.
 */
import type { Result } from '@outpost/shared/result';

/** What the switch shows. */
export type PushState =
  /** This browser cannot receive Web Push (no service worker, PushManager or Notification). */
  | { readonly kind: 'unsupported' }
  /** The server has no VAPID keys. */
  | { readonly kind: 'not-configured' }
  /** Notifications are blocked for this site in the browser's settings. */
  | { readonly kind: 'blocked' }
  | { readonly kind: 'off' }
  | { readonly kind: 'on' }
  /** The last change failed (`code` is the server's or `offline`); the switch is off. */
  | {
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly status: number;
    };

/** The subset of the browser's PushSubscription used here. */
export interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options?: { readonly applicationServerKey?: ArrayBuffer | null };
  toJSON(): {
    endpoint?: string;
    expirationTime?: number | null;
    keys?: Record<string, string>;
  };
  unsubscribe(): Promise<boolean>;
}

/** The subset of the browser's PushManager used here. */
export interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: {
    userVisibleOnly: boolean;
    applicationServerKey: Uint8Array<ArrayBuffer>;
  }): Promise<PushSubscriptionLike>;
}

export interface PushApiError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

export type PushApi = <T>(
  path: string,
  options?: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown },
) => Promise<Result<T, PushApiError>>;

/** Who this browser's subscription was registered for. */
export interface PushOwner {
  readonly userId: string;
  readonly endpoint: string;
}

export interface PushDeps {
  /** The service worker registration's push manager; undefined where there is none. */
  pushManager(): Promise<PushManagerLike | undefined>;
  /** `Notification.permission`; undefined without the Notification API. */
  permission(): NotificationPermission | undefined;
  /** `Notification.requestPermission()`: only from a user's tap. */
  requestPermission(): Promise<NotificationPermission>;
  /** The server's JSON API as the signed-in user. */
  api: PushApi;
  readOwner(): PushOwner | undefined;
  writeOwner(owner: PushOwner | undefined): void;
}

const NOT_CONFIGURED = 'push_not_configured';

/** The VAPID public key (base64url, as the server gives it) as the bytes `subscribe` wants. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameBytes(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (a === null || a === undefined || a.byteLength !== b.byteLength) return false;
  const view = new Uint8Array(a);
  return view.every((byte, i) => byte === b[i]);
}

const failed = (error: PushApiError): PushState => ({
  kind: 'failed',
  code: error.code,
  message: error.message,
  status: error.status,
});

export function createWebPush(deps: PushDeps) {
  async function support(): Promise<PushManagerLike | undefined> {
    if (deps.permission() === undefined) return undefined;
    return deps.pushManager().catch(() => undefined);
  }

  /** The switch for `userId` as things are (asks the server only whether push is configured). */
  async function status(userId: string): Promise<PushState> {
    const manager = await support();
    if (manager === undefined) return { kind: 'unsupported' };
    if (deps.permission() === 'denied') return { kind: 'blocked' };
    const subscription = await manager.getSubscription();
    const owner = deps.readOwner();
    if (
      subscription !== null &&
      deps.permission() === 'granted' &&
      owner?.userId === userId &&
      owner.endpoint === subscription.endpoint
    )
      return { kind: 'on' };
    const key = await deps.api<{ publicKey: string }>('/api/push/public-key');
    if (!key.ok && key.error.code === NOT_CONFIGURED) return { kind: 'not-configured' };
    // Offline or another failure: the switch is off; turning it on reports what went wrong.
    return { kind: 'off' };
  }

  /** "Notify me": permission, subscription, registration. Call from a user's tap. */
  async function turnOn(userId: string): Promise<PushState> {
    const manager = await support();
    if (manager === undefined) return { kind: 'unsupported' };
    // The permission first, while the tap still counts as the user's (some browsers
    // refuse the request after an await of the network).
    let permission = deps.permission();
    if (permission === 'default') permission = await deps.requestPermission();
    if (permission === 'denied') return { kind: 'blocked' };
    if (permission !== 'granted')
      return failed({ code: 'permission_dismissed', message: 'permission_dismissed', status: 0 });
    const key = await deps.api<{ publicKey: string }>('/api/push/public-key');
    if (!key.ok)
      return key.error.code === NOT_CONFIGURED ? { kind: 'not-configured' } : failed(key.error);

    const applicationServerKey = base64UrlToBytes(key.value.publicKey);
    let subscription = await manager.getSubscription();
    // Subscribed with another server key (the server's keys were replaced): start again.
    if (
      subscription !== null &&
      !sameBytes(subscription.options?.applicationServerKey, applicationServerKey)
    ) {
      await subscription.unsubscribe().catch(() => false);
      subscription = null;
    }
    try {
      subscription ??= await manager.subscribe({ userVisibleOnly: true, applicationServerKey });
    } catch (error) {
      // No push service reachable (offline, or a browser without one): nothing was registered.
      const message = error instanceof Error ? error.message : String(error);
      return failed({ code: 'push_service_unavailable', message, status: 0 });
    }
    const json = subscription.toJSON();
    const posted = await deps.api<{ subscribed: true }>('/api/push/subscriptions', {
      body: {
        endpoint: subscription.endpoint,
        ...(json.expirationTime === undefined ? {} : { expirationTime: json.expirationTime }),
        keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
      },
    });
    if (!posted.ok) {
      // Not registered: leave no subscription the server does not know about.
      await subscription.unsubscribe().catch(() => false);
      deps.writeOwner(undefined);
      return posted.error.code === NOT_CONFIGURED
        ? { kind: 'not-configured' }
        : failed(posted.error);
    }
    deps.writeOwner({ userId, endpoint: subscription.endpoint });
    return { kind: 'on' };
  }

  /**
   * Stops notifications on this device: unregisters the subscription with the
   * server (best effort, see the header), then unsubscribes the browser.
   */
  async function turnOff(): Promise<PushState> {
    const manager = await support();
    if (manager === undefined) {
      deps.writeOwner(undefined);
      return { kind: 'unsupported' };
    }
    const subscription = await manager.getSubscription();
    if (subscription !== null) {
      await deps.api<{ unsubscribed: boolean }>('/api/push/subscriptions', {
        method: 'DELETE',
        body: { endpoint: subscription.endpoint },
      });
      await subscription.unsubscribe().catch(() => false);
    }
    deps.writeOwner(undefined);
    return deps.permission() === 'denied' ? { kind: 'blocked' } : { kind: 'off' };
  }

  /** `userId` signs out of this tablet: their notifications stop here (another's stay). */
  async function signingOut(userId: string): Promise<void> {
    if (deps.readOwner()?.userId !== userId) return;
    await turnOff();
  }

  return { status, turnOn, turnOff, signingOut };
}

export type WebPush = ReturnType<typeof createWebPush>;
