/**
 * Web Push for specialists (issue 7 "notifications"), where configured: when
 * the server receives an urgent or emergency consult (its own `received`
 * transition), every subscription of the specialists it is routed to gets a
 * push. The payload names the consult and its priority only: never patient data
 * (push services see the payload's size and timing, and browsers may show it
 * on a lock screen).
 *
 * Configured by OUTPOST_VAPID_PUBLIC_KEY, OUTPOST_VAPID_PRIVATE_KEY and
 * OUTPOST_VAPID_SUBJECT (a mailto: or https: URL), all three or none; without
 * them the feature is off and its routes answer 501 `push_not_configured`.
 */
import webpush from 'web-push';
import type { Logger } from 'pino';
import type { ConsultRow } from '../repositories/consult-repository';
import type {
  PushSubscriptionRepository,
  PushSubscriptionRow,
} from '../repositories/push-subscription-repository';
import type { StoredUpdate } from '../repositories/sync-repository';
import { StartupError } from '../startup-error';

export interface WebPushConfig {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly subject: string;
}

/** Sends one push; rejects with `{statusCode}` like web-push's WebPushError. */
export type PushSend = (
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
  payload: string,
  options: { TTL: number; urgency: 'high'; vapidDetails: WebPushConfig },
) => Promise<unknown>;

export const NOTIFIED_PRIORITIES: ReadonlySet<string> = new Set(['urgent', 'emergency']);

/**
 * Push services the server will deliver to (the server makes the request, so an
 * arbitrary endpoint would let a subscriber point it at internal addresses).
 */
export const PUSH_SERVICE_HOSTS: readonly RegExp[] = [
  /^fcm\.googleapis\.com$/,
  /^android\.googleapis\.com$/,
  /^updates\.push\.services\.mozilla\.com$/,
  /^web\.push\.apple\.com$/,
  /^[a-z0-9-]+\.notify\.windows\.com$/,
];

export function isPushServiceEndpoint(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return (
      url.protocol === 'https:' &&
      url.port === '' &&
      url.username === '' &&
      PUSH_SERVICE_HOSTS.some((host) => host.test(url.hostname))
    );
  } catch {
    return false;
  }
}

/** The configuration from the environment; undefined when unset; StartupError when half set. */
export function loadWebPushConfig(env: NodeJS.ProcessEnv): WebPushConfig | undefined {
  const publicKey = env.OUTPOST_VAPID_PUBLIC_KEY?.trim();
  const privateKey = env.OUTPOST_VAPID_PRIVATE_KEY?.trim();
  const subject = env.OUTPOST_VAPID_SUBJECT?.trim();
  const set = [publicKey, privateKey, subject].filter(
    (value) => value !== undefined && value !== '',
  );
  if (set.length === 0) return undefined;
  if (set.length !== 3)
    throw new StartupError(
      'Web Push needs all of OUTPOST_VAPID_PUBLIC_KEY, OUTPOST_VAPID_PRIVATE_KEY and OUTPOST_VAPID_SUBJECT (or none of them). ' +
        'Generate keys with: npx web-push generate-vapid-keys',
    );
  if (!/^(mailto:|https:\/\/)/.test(subject!))
    throw new StartupError('OUTPOST_VAPID_SUBJECT must be a mailto: or https:// URL.');
  return { publicKey: publicKey!, privateKey: privateKey!, subject: subject! };
}

export interface PushNotifierDeps {
  readonly config: WebPushConfig;
  readonly subscriptions: PushSubscriptionRepository;
  readonly consult: (docId: string) => Promise<ConsultRow | undefined>;
  readonly logger: Logger;
  readonly send?: PushSend;
}

export interface PushNotifier {
  /** Handles one stored update (called after commit, for every update). */
  onStored(update: StoredUpdate): void;
  /** Resolves when every push started so far has settled (tests). */
  idle(): Promise<void>;
}

export function createPushNotifier(deps: PushNotifierDeps): PushNotifier {
  const send: PushSend =
    deps.send ??
    ((subscription, payload, options) => webpush.sendNotification(subscription, payload, options));
  let pending: Promise<void> = Promise.resolve();

  async function deliver(subscription: PushSubscriptionRow, payload: string): Promise<void> {
    try {
      await send(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        payload,
        { TTL: 3600, urgency: 'high', vapidDetails: deps.config },
      );
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      // 404/410: the browser dropped the subscription.
      if (status === 404 || status === 410)
        await deps.subscriptions.removeEndpoint(subscription.endpoint);
      else
        deps.logger.warn({ status: typeof status === 'number' ? status : null }, 'web push failed');
    }
  }

  async function consultReceived(docId: string): Promise<void> {
    const consult = await deps.consult(docId);
    if (consult === undefined || !NOTIFIED_PRIORITIES.has(consult.priority)) return;
    const targets = await deps.subscriptions.forRouting(consult);
    const payload = JSON.stringify({ type: 'consult', docId, priority: consult.priority });
    await Promise.all(targets.map((subscription) => deliver(subscription, payload)));
  }

  return {
    onStored(update) {
      if (update.author !== 'server' || !update.docId.startsWith('consult/')) return;
      pending = pending
        .then(() => consultReceived(update.docId))
        .catch((error: unknown) =>
          deps.logger.error(
            { err: error instanceof Error ? error.name : 'error' },
            'web push failed',
          ),
        );
    },
    idle: () => pending,
  };
}
