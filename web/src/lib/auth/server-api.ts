/**
 * The identity calls the tablet makes to the server (docs/security.md, "API"):
 * enroll, sign in, refresh, sign out, and tablet audit events. Plain requests
 * with typed answers; the vault decides what they mean for the tablet.
 *
 * A network failure rejects (like `fetch`); every answer from the server resolves,
 * with `{ok: false}` and the server's `{error: {code, message, field?}}` when it
 * is not a success.
 */
import type { AuditQueueRecord, TabletRole } from '$lib/db';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface DeviceCredentials {
  readonly deviceId: string;
  readonly deviceSecret: string;
}

export interface ServerFailure {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly field?: string;
  /** From `Retry-After` (429). */
  readonly retryAfterMs?: number;
}

export type ServerAnswer<T> = { readonly ok: true; readonly value: T } | ServerFailure;

export interface EnrollAnswer {
  readonly deviceId: string;
  readonly deviceSecret: string;
  readonly clinic: { readonly id: string; readonly name: string; readonly districtId: string };
}

export interface TokenAnswer {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds. */
  readonly expiresIn: number;
}

export interface SignInAnswer extends TokenAnswer {
  readonly user: {
    readonly id: string;
    readonly name: string;
    readonly role: TabletRole;
    readonly clinicIds: readonly string[];
    readonly districtId: string | null;
    readonly mustChangePassword: boolean;
  };
  /** base64url, 32 bytes: wraps this device's copy of the clinic secret. */
  readonly deviceKey: string;
}

/** `X-Outpost-Device` + `X-Outpost-Device-Secret`. */
export function deviceHeaders(device: DeviceCredentials): Record<string, string> {
  return { 'x-outpost-device': device.deviceId, 'x-outpost-device-secret': device.deviceSecret };
}

/** The `{error}` of a failed response, whatever its body. */
export async function failureOf(response: Response): Promise<ServerFailure> {
  const retryAfter = Number(response.headers.get('retry-after'));
  let code = `http_${response.status}`;
  let message = `The server answered ${response.status}.`;
  let field: string | undefined;
  try {
    const body = (await response.clone().json()) as {
      error?: { code?: unknown; message?: unknown; field?: unknown };
    };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.field === 'string') field = body.error.field;
  } catch {
    // Not JSON (a proxy's page): described by the status.
  }
  return {
    ok: false,
    status: response.status,
    code,
    message,
    ...(field !== undefined && { field }),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }),
  };
}

async function json<T>(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit & { okStatus?: number },
): Promise<ServerAnswer<T>> {
  const response = await fetchImpl(url, init);
  if (response.status !== (init.okStatus ?? 200)) return failureOf(response);
  try {
    return { ok: true, value: (await response.json()) as T };
  } catch {
    return {
      ok: false,
      status: response.status,
      code: 'invalid_response',
      message: 'The server answered something that is not JSON.',
    };
  }
}

export function createServerApi(fetchImpl: FetchLike, baseUrl = '') {
  const post = <T>(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    okStatus = 200,
  ): Promise<ServerAnswer<T>> =>
    json<T>(fetchImpl, `${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      cache: 'no-store',
      okStatus,
    });
  return {
    enroll: (code: string, label: string) =>
      post<EnrollAnswer>('/api/devices/enroll', { code, label }, {}, 201),
    signIn: (device: DeviceCredentials, username: string, password: string) =>
      post<SignInAnswer>('/api/auth/sign-in', { username, password }, deviceHeaders(device)),
    refresh: (device: DeviceCredentials, refreshToken: string) =>
      post<TokenAnswer>('/api/auth/refresh', { refreshToken }, deviceHeaders(device)),
    signOut: (accessToken: string) =>
      post<{ signedOut: true }>('/api/auth/sign-out', undefined, {
        authorization: `Bearer ${accessToken}`,
      }),
    auditEvents: (device: DeviceCredentials, events: readonly AuditQueueRecord[]) =>
      post<{ accepted: number }>(
        '/api/audit/events',
        {
          events: events.map((event) => ({
            action: event.action,
            outcome: event.outcome,
            userId: event.userId,
            docId: event.docId,
            deviceTime: event.deviceTime,
            ...(event.details !== undefined && { details: event.details }),
          })),
        },
        deviceHeaders(device),
      ),
  };
}

export type ServerApi = ReturnType<typeof createServerApi>;
