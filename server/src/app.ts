/**
 * createApp(deps): the whole HTTP surface, composed from sub-apps. It never
 * listens (main.ts does), so tests drive it with `app.request()`.
 *
 * Order of the global middleware: request log (paths and status only) →
 * security headers → same-origin check → body limit → route policy
 * (middleware/authorize.ts, default deny) → the route.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Hono, type Context, type ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { decodeSyncRequest } from '@outpost/shared/sync';
import type { Database } from './db/database';
import type { ScryptParams } from './auth/passwords';
import { HttpError, type ErrorBody } from './http/errors';
import { safeError } from './logger';
import { authorize, routeKey, type AuthVariables } from './middleware/authorize';
import { plainHttpLimits } from './middleware/plain-http';
import { securityHeaders, sameOriginOnly } from './middleware/security-headers';
import { createAuditRepository, type AuditRepository } from './repositories/audit-repository';
import {
  createIdentityRepository,
  type IdentityRepository,
} from './repositories/identity-repository';
import { createRecordAudit } from './repositories/record-audit';
import { createSyncRepository, type SyncRepository } from './repositories/sync-repository';
import { createConsultRepository } from './repositories/consult-repository';
import { consultRoutes } from './routes/consults';
import { createAttachmentRepository } from './repositories/attachment-repository';
import { attachmentRoutes } from './routes/attachments';
import { ATTACHMENT_LIMITS } from './consults/photos';
import {
  createPushNotifier,
  type PushNotifier,
  type PushSend,
  type WebPushConfig,
} from './consults/push-notifier';
import { createPushSubscriptionRepository } from './repositories/push-subscription-repository';
import { pushRoutes } from './routes/push';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { caCertificateRoutes } from './routes/ca-certificate';
import { healthRoutes } from './routes/health';
import { staticRoutes } from './routes/static';
import { syncRoutes } from './routes/sync';
import { clinicRoutes } from './routes/clinics';
import { createLiveTickets, type LiveTickets } from './security/live-tickets';
import {
  ACCOUNT_BACKOFF,
  ADDRESS_BACKOFF,
  ENROLL_BACKOFF,
  createBackoffLimiter,
} from './security/rate-limit';
import { createAuthService, loadDeviceKeySecret, type AuthFailure } from './services/auth-service';
import { createDocumentEvents, type DocumentEvents } from './sync/events';
import { createSyncService } from './sync/service';

export interface AppDeps {
  readonly database: Database;
  readonly version: string;
  readonly webDir: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Updates stored by batch sync are published here (the live channel listens). */
  readonly events?: DocumentEvents;
  /** Defaults to the PostgreSQL repository on `database`. */
  readonly syncRepository?: SyncRepository;
  /** The access-token signing key (main.ts: OUTPOST_JWT_SECRET). Tests may omit it: a random one. */
  readonly jwtSecret?: Buffer;
  /**
   * The secret device keys are derived from (main.ts: `loadDeviceKeySecret`). When
   * omitted, the one generated and kept in server_meta (created on first use).
   */
  readonly deviceKeySecret?: Buffer;
  /** Shared with the live channel (tickets minted here are consumed there). */
  readonly liveTickets?: LiveTickets;
  /** Password hashing cost (tests use a cheap one). */
  readonly scrypt?: ScryptParams;
  readonly accessTokenTtlSeconds?: number;
  /** Origins besides the server's own that may call the API (e.g. a dev server). */
  readonly allowedOrigins?: readonly string[];
  /** Trust X-Forwarded-For for the client address (behind a reverse proxy). */
  readonly trustProxy?: boolean;
  /** Called when a device is revoked or a user disabled (the live channel re-checks at once). */
  readonly onRevoked?: () => void;
  /** Web Push to specialists (main.ts: OUTPOST_VAPID_*); off without `config`. `send` for tests. */
  readonly webPush?: { readonly config?: WebPushConfig; readonly send?: PushSend };
  /**
   * Set when this server also speaks https on its port (main.ts `tls`): plain http
   * from the network is then limited (middleware/plain-http.ts), /api/version says
   * so, and /ca.crt offers the CA certificate when there is one.
   */
  readonly https?: { readonly caCertPem: string | undefined };
}

/** Largest sync request body accepted; sync pages are bounded well below it. */
export const MAX_API_BODY_BYTES = 4 * 1024 * 1024;
/** Largest JSON body of every other API route. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;
/** A batch of tablet audit events (≤ 500 events). */
export const MAX_AUDIT_BODY_BYTES = 512 * 1024;

function bodyLimitFor(path: string): number {
  if (path === '/api/sync') return MAX_API_BODY_BYTES;
  if (path === '/api/audit/events') return MAX_AUDIT_BODY_BYTES;
  // One chunk of a photo upload (PUT /api/attachments/:uploadId).
  if (path.startsWith('/api/attachments/')) return ATTACHMENT_LIMITS.maxChunkBytes;
  return MAX_JSON_BODY_BYTES;
}

const gunzipAsync = promisify(gunzip);

export interface AppServices {
  readonly identity: IdentityRepository;
  readonly audit: AuditRepository;
  readonly auth: ReturnType<typeof createAuthService>;
  readonly liveTickets: LiveTickets;
  /** Set when Web Push is configured. */
  readonly pushNotifier?: PushNotifier;
}

export function createApp(deps: AppDeps) {
  return createAppWithServices(deps).app;
}

export function createAppWithServices(deps: AppDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const db = deps.database.db;
  const identity = createIdentityRepository(db);
  const audit = createAuditRepository(db, { now: deps.now });
  const recordAudit = createRecordAudit(db, audit);
  const events = deps.events ?? createDocumentEvents();
  const syncRepository = deps.syncRepository ?? createSyncRepository(db, { now: deps.now, events });
  const liveTickets = deps.liveTickets ?? createLiveTickets(deps.now);
  const auth = createAuthService({
    identity,
    audit,
    jwtSecret: deps.jwtSecret ?? randomBytes(48),
    deviceKeySecret: once(() =>
      deps.deviceKeySecret !== undefined
        ? Promise.resolve(deps.deviceKeySecret)
        : loadDeviceKeySecret({}, identity),
    ),
    now: deps.now,
    logger: deps.logger,
    ...(deps.scrypt === undefined ? {} : { scrypt: deps.scrypt }),
    ...(deps.accessTokenTtlSeconds === undefined
      ? {}
      : { accessTokenTtlSeconds: deps.accessTokenTtlSeconds }),
  });

  app.use(
    '*',
    createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
      const started = deps.now();
      await next();
      // Paths and status only: never bodies, query strings or headers (they may hold patient data or tokens).
      deps.logger.info(
        {
          method: c.req.method,
          path: routeLogPath(c),
          status: c.res.status,
          ms: deps.now() - started,
        },
        'request',
      );
    }),
  );
  app.use('*', securityHeaders({ trustProxy: deps.trustProxy ?? false }));
  if (deps.https !== undefined) app.use('*', plainHttpLimits());
  app.use('/api/*', sameOriginOnly(deps.allowedOrigins ?? []));
  app.use(
    '/api/*',
    createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
      const maxSize = bodyLimitFor(c.req.path);
      return bodyLimit({
        maxSize,
        onError: () => {
          throw new HttpError(
            413,
            'payload_too_large',
            `Request bodies here are limited to ${maxSize} bytes.`,
          );
        },
      })(c, next);
    }),
  );
  app.use(
    '*',
    authorize({
      auth,
      trustProxy: deps.trustProxy ?? false,
      quarantine: (c, failure) => quarantineBody(c, failure),
    }),
  );

  async function quarantineBody(c: Context, failure: AuthFailure): Promise<void> {
    if (failure.deviceId === undefined) return;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let summary: Record<string, unknown> = { decoded: false };
    try {
      const plain =
        c.req.header('content-encoding')?.toLowerCase() === 'gzip'
          ? new Uint8Array(await gunzipAsync(raw, { maxOutputLength: MAX_API_BODY_BYTES }))
          : raw;
      const request = decodeSyncRequest(plain);
      if (request.ok)
        summary = {
          decoded: true,
          pushes: request.value.pushes.map((push) => ({
            docId: push.docId,
            localSeq: push.localSeq,
            bytes: push.update.length,
          })),
        };
    } catch {
      // kept as received
    }
    await identity.quarantine({
      id: uuidv7(),
      deviceId: failure.deviceId,
      userId: failure.userId ?? null,
      receivedAt: new Date(deps.now()),
      contentType: c.req.header('content-type') ?? null,
      contentEncoding: c.req.header('content-encoding') ?? null,
      body: raw,
      summary,
    });
    await audit.append([
      {
        action: 'sync.quarantine',
        outcome: 'quarantined',
        deviceId: failure.deviceId,
        userId: failure.userId ?? null,
        details: {
          bytes: raw.length,
          pushes: Array.isArray(summary.pushes) ? summary.pushes.length : null,
        },
      },
    ]);
  }

  app.route('/healthz', healthRoutes(deps));
  app.route('/ca.crt', caCertificateRoutes(deps.https?.caCertPem));

  const api = new Hono<{ Variables: AuthVariables }>();
  // `https`: this server answers https on this same host and port; the app, opened
  // over plain http, tells the health worker to go there (and where the clinic
  // certificate is, when there is one to install).
  const https =
    deps.https === undefined
      ? {}
      : { https: { clinicCertificate: deps.https.caCertPem === undefined ? null : '/ca.crt' } };
  api.get('/version', (c) => c.json({ version: deps.version, ...https }));
  api.route(
    '/',
    authRoutes({
      auth,
      identity,
      audit,
      sync: syncRepository,
      db,
      tickets: liveTickets,
      limits: {
        account: createBackoffLimiter(ACCOUNT_BACKOFF, deps.now),
        address: createBackoffLimiter(ADDRESS_BACKOFF, deps.now),
        enroll: createBackoffLimiter(ENROLL_BACKOFF, deps.now),
      },
      now: deps.now,
    }),
  );
  api.route('/clinics', clinicRoutes(identity));
  api.route(
    '/admin',
    adminRoutes({
      identity,
      audit,
      now: deps.now,
      ...(deps.scrypt === undefined ? {} : { scrypt: deps.scrypt }),
      ...(deps.onRevoked === undefined ? {} : { onRevoked: deps.onRevoked }),
    }),
  );
  api.route(
    '/sync',
    syncRoutes({
      maxBodyBytes: MAX_API_BODY_BYTES,
      audit: recordAudit,
      sync: createSyncService({
        repository: syncRepository,
        events,
        now: deps.now,
      }),
    }),
  );
  const consultRepository = createConsultRepository(db);
  api.route(
    '/consults',
    consultRoutes({ consults: consultRepository, audit: recordAudit, now: deps.now }),
  );
  const pushSubscriptions = createPushSubscriptionRepository(db);
  const webPushConfig = deps.webPush?.config;
  const pushNotifier =
    webPushConfig === undefined
      ? undefined
      : createPushNotifier({
          config: webPushConfig,
          subscriptions: pushSubscriptions,
          consult: (docId) => consultRepository.get(docId),
          logger: deps.logger,
          ...(deps.webPush?.send === undefined ? {} : { send: deps.webPush.send }),
        });
  if (pushNotifier !== undefined) events.subscribe((update) => pushNotifier.onStored(update));
  api.route(
    '/push',
    pushRoutes({ config: webPushConfig, subscriptions: pushSubscriptions, now: deps.now }),
  );
  api.route(
    '/attachments',
    attachmentRoutes({
      db,
      attachments: createAttachmentRepository(db),
      audit: recordAudit,
      now: deps.now,
    }),
  );
  app.route('/api', api);

  app.route('/', staticRoutes(deps.webDir));

  app.notFound((c) => {
    const body: ErrorBody = {
      error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}.` },
    };
    return c.json(body, 404);
  });

  app.onError(errorHandler(deps.logger));

  const services: AppServices = {
    identity,
    audit,
    auth,
    liveTickets,
    ...(pushNotifier === undefined ? {} : { pushNotifier }),
  };
  return { app, services };
}

/** Runs `load` once; a failure is not remembered (the next call tries again). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/** The matched route pattern when there is one (ids in paths are not logged either). */
function routeLogPath(c: Context): string {
  const key = routeKey(c);
  if (key !== undefined && !key.endsWith(' /*')) return key.slice(key.indexOf(' ') + 1);
  return c.req.path.startsWith('/api/') ? '/api/(no route)' : c.req.path;
}

/** The one error handler: every failure becomes `{error: {code, message, field?}}`. */
export function errorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof HttpError) return c.json(error.toBody(), error.status);
    if (error instanceof HTTPException) {
      const body: ErrorBody = {
        error: { code: 'http_error', message: error.message || 'Request failed.' },
      };
      return c.json(body, error.status);
    }
    logger.error({ err: safeError(error), path: c.req.path }, 'unhandled error');
    const body: ErrorBody = {
      error: { code: 'internal', message: 'Something went wrong on the server.' },
    };
    return c.json(body, 500);
  };
}
