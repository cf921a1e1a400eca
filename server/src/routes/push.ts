/**
 * Web Push subscriptions for specialists (docs/consults.md "Notifications").
 * Without VAPID configuration every route answers 501 `push_not_configured`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { uuidv7 } from 'uuidv7';
import { isPushServiceEndpoint, type WebPushConfig } from '../consults/push-notifier';
import { readJson } from '../http/body';
import { HttpError, badRequest } from '../http/errors';
import type { AuthVariables } from '../middleware/authorize';
import type { PushSubscriptionRepository } from '../repositories/push-subscription-repository';

export interface PushRouteDeps {
  readonly config: WebPushConfig | undefined;
  readonly subscriptions: PushSubscriptionRepository;
  readonly now: () => number;
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');
const subscriptionSchema = z.strictObject({
  endpoint: z.string().min(1).max(2000),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: base64url.min(40).max(200), auth: base64url.min(16).max(64) }),
});
const unsubscribeSchema = z.strictObject({ endpoint: z.string().min(1).max(2000) });

export function pushRoutes(deps: PushRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const configured = (): WebPushConfig => {
    if (deps.config === undefined)
      throw new HttpError(
        501,
        'push_not_configured',
        'Web Push is not configured on this server (OUTPOST_VAPID_* are not set).',
      );
    return deps.config;
  };

  app.get('/public-key', (c) => c.json({ publicKey: configured().publicKey }));

  app.post('/subscriptions', async (c) => {
    configured();
    const body = await readJson(c, subscriptionSchema);
    if (!isPushServiceEndpoint(body.endpoint))
      throw badRequest(
        'invalid_field',
        'The endpoint must be an https URL of a browser push service.',
        'endpoint',
      );
    await deps.subscriptions.upsert(
      {
        id: uuidv7(),
        userId: c.get('caller').userId,
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
      },
      new Date(deps.now()),
    );
    return c.json({ subscribed: true }, 201);
  });

  app.delete('/subscriptions', async (c) => {
    configured();
    const body = await readJson(c, unsubscribeSchema);
    const removed = await deps.subscriptions.remove(c.get('caller').userId, body.endpoint);
    return c.json({ unsubscribed: removed });
  });

  return app;
}
