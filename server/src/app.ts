/**
 * createApp(deps): the whole HTTP surface, composed from sub-apps. It never
 * listens (main.ts does), so tests drive it with `app.request()`.
 */
import { Hono, type ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Database } from './db/database';
import { HttpError, type ErrorBody } from './http/errors';
import { createClinicRepository } from './repositories/clinic-repository';
import { createSyncRepository, type SyncRepository } from './repositories/sync-repository';
import { healthRoutes } from './routes/health';
import { staticRoutes } from './routes/static';
import { syncRoutes } from './routes/sync';
import { clinicRoutes } from './routes/clinics';
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
}

/** Largest API request body accepted; sync pages are bounded well below it. */
export const MAX_API_BODY_BYTES = 4 * 1024 * 1024;

export function createApp(deps: AppDeps) {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = deps.now();
    await next();
    // Paths and status only: never bodies or query strings (they may hold patient data).
    deps.logger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: deps.now() - started },
      'request',
    );
  });

  app.route('/healthz', healthRoutes(deps));

  const api = new Hono();
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: () => {
        throw new HttpError(
          413,
          'payload_too_large',
          `Request bodies are limited to ${MAX_API_BODY_BYTES} bytes.`,
        );
      },
    }),
  );
  api.get('/version', (c) => c.json({ version: deps.version }));
  const clinicRepository = createClinicRepository(deps.database.db);
  api.route('/clinics', clinicRoutes(clinicRepository));
  api.route(
    '/sync',
    syncRoutes({
      clinicExists: (clinicId) => clinicRepository.exists(clinicId),
      maxBodyBytes: MAX_API_BODY_BYTES,
      sync: createSyncService({
        repository:
          deps.syncRepository ?? createSyncRepository(deps.database.db, { now: deps.now }),
        events: deps.events ?? createDocumentEvents(),
        now: deps.now,
      }),
    }),
  );
  api.all('*', (c) => {
    throw new HttpError(404, 'not_found', `No API route ${c.req.method} ${c.req.path}.`);
  });
  app.route('/api', api);

  app.route('/', staticRoutes(deps.webDir));

  app.notFound((c) => {
    const body: ErrorBody = {
      error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}.` },
    };
    return c.json(body, 404);
  });

  app.onError(errorHandler(deps.logger));

  return app;
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
    logger.error({ err: error, path: c.req.path }, 'unhandled error');
    const body: ErrorBody = {
      error: { code: 'internal', message: 'Something went wrong on the server.' },
    };
    return c.json(body, 500);
  };
}
