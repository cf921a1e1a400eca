/**
 * A fake of the server's identity API (docs/security.md, "API") for the vault's
 * Node tests: enrollment codes, devices, users, sessions with rotating refresh
 * tokens and reuse detection, access tokens that expire, revocation and the
 * quarantine of a revoked device's pushes, tablet audit events. Tests only.
 */
import type { FetchLike } from './server-api';

interface FakeDevice {
  readonly id: string;
  readonly secret: string;
  readonly clinicId: string;
  readonly key: string;
  revoked: boolean;
}

export interface FakeUser {
  readonly id: string;
  readonly username: string;
  password: string;
  readonly name: string;
  readonly role: 'health-worker' | 'clinician' | 'specialist' | 'district-admin' | 'system-admin';
  readonly clinicIds: readonly string[];
  disabled: boolean;
  /** An administrator's one-time password: everything but the change is refused. */
  mustChangePassword: boolean;
}

interface FakeSession {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string;
  revoked: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: string | Uint8Array | undefined;
}

export const FAKE_CLINIC = {
  id: '0190c000-0000-7000-8000-00000000c111',
  name: 'Fake Clinic (fictional)',
  districtId: '0190d000-0000-7000-8000-00000000d111',
};

let counter = 0;
const nextId = (prefix: number) =>
  `0190${prefix.toString(16).padStart(4, '0')}-0000-7000-8000-${(++counter).toString(16).padStart(12, '0')}`;
const randomToken = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, 'x');
};
const randomKey = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const error = (status: number, code: string, message = code) =>
  json(status, { error: { code, message } });

export class FakeIdentityServer {
  online = true;
  /** Access-token lifetime (seconds). */
  accessTtlS = 600;
  now = () => Date.now();
  readonly codes = new Set<string>();
  readonly devices = new Map<string, FakeDevice>();
  readonly users = new Map<string, FakeUser>();
  readonly sessions = new Map<string, FakeSession>();
  readonly refreshTokens = new Map<string, { sessionId: string; used: boolean }>();
  readonly accessTokens = new Map<string, { sessionId: string; expiresAt: number }>();
  readonly audit: unknown[] = [];
  readonly quarantined: Uint8Array[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Answers the next requests to these paths with this status (then forgets). */
  readonly failNext = new Map<string, number>();
  /** Runs before a route answers (tests look at the tablet's state at that moment). */
  onRequest: ((request: RecordedRequest) => void | Promise<void>) | undefined;

  code(): string {
    const code = `CODE-${++counter}`;
    this.codes.add(code);
    return code;
  }

  addUser(username: string, password: string, options: Partial<FakeUser> = {}): FakeUser {
    const user: FakeUser = {
      id: nextId(0xa),
      username,
      password,
      name: options.name ?? `${username} (fictional)`,
      role: options.role ?? 'health-worker',
      clinicIds: options.clinicIds ?? [FAKE_CLINIC.id],
      disabled: false,
      mustChangePassword: options.mustChangePassword ?? false,
    };
    this.users.set(username, user);
    return user;
  }

  revokeDevice(deviceId: string): void {
    this.devices.get(deviceId)!.revoked = true;
  }

  /** Every access token expires now. */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
  }

  readonly fetch: FetchLike = async (input, init = {}) => {
    if (!this.online) throw new TypeError('Failed to fetch');
    const url = new URL(input, 'http://outpost.test');
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const raw = init.body;
    const body =
      raw === undefined || raw === null
        ? undefined
        : typeof raw === 'string'
          ? raw
          : raw instanceof Uint8Array
            ? raw
            : new Uint8Array(await new Response(raw).arrayBuffer());
    const request: RecordedRequest = { method, path: url.pathname, headers, body };
    this.requests.push(request);
    await this.onRequest?.(request);
    const forced = this.failNext.get(url.pathname);
    if (forced !== undefined) {
      this.failNext.delete(url.pathname);
      return error(forced, forced >= 500 ? 'internal' : 'forced');
    }
    const parsed = (): Record<string, unknown> =>
      typeof body === 'string' ? (JSON.parse(body) as Record<string, unknown>) : {};
    const route = `${method} ${url.pathname}`;
    switch (route) {
      case 'POST /api/devices/enroll': {
        const { code, label } = parsed() as { code: string; label: string };
        if (!this.codes.delete(code))
          return json(400, {
            error: { code: 'invalid_enrollment_code', message: 'bad code', field: 'code' },
          });
        const device: FakeDevice = {
          id: nextId(0xe),
          secret: randomToken(),
          clinicId: FAKE_CLINIC.id,
          key: randomKey(),
          revoked: false,
        };
        void label;
        this.devices.set(device.id, device);
        return json(201, { deviceId: device.id, deviceSecret: device.secret, clinic: FAKE_CLINIC });
      }
      case 'POST /api/auth/sign-in': {
        const device = this.#device(headers);
        if (device instanceof Response) return device;
        const { username, password } = parsed() as { username: string; password: string };
        const user = this.users.get(username.toLowerCase());
        if (user === undefined || user.password !== password)
          return error(401, 'invalid_credentials');
        if (user.disabled) return error(403, 'account_disabled');
        return json(200, {
          ...this.#issue(user, device),
          user: {
            id: user.id,
            name: user.name,
            role: user.role,
            clinicIds: user.clinicIds,
            districtId: null,
            mustChangePassword: user.mustChangePassword,
          },
          deviceKey: device.key,
        });
      }
      case 'POST /api/auth/refresh': {
        const device = this.#device(headers);
        if (device instanceof Response) return device;
        const { refreshToken } = parsed() as { refreshToken: string };
        const stored = this.refreshTokens.get(refreshToken);
        if (stored === undefined) return error(401, 'invalid_refresh_token');
        const session = this.sessions.get(stored.sessionId)!;
        if (session.revoked) return error(401, 'session_revoked');
        if (stored.used) {
          session.revoked = true;
          return error(401, 'refresh_token_reused');
        }
        const user = [...this.users.values()].find((u) => u.id === session.userId)!;
        if (user.disabled) return error(401, 'user_disabled');
        stored.used = true;
        const refreshed = this.#tokens(session.id);
        return json(200, refreshed);
      }
      case 'POST /api/auth/sign-out': {
        const caller = this.#caller(headers);
        if (caller instanceof Response) return caller;
        caller.revoked = true;
        return json(200, { signedOut: true });
      }
      case 'POST /api/auth/password': {
        const caller = this.#caller(headers);
        if (caller instanceof Response) return caller;
        const user = [...this.users.values()].find((u) => u.id === caller.userId)!;
        const { currentPassword, newPassword } = parsed() as {
          currentPassword: string;
          newPassword: string;
        };
        if (currentPassword !== user.password)
          return json(400, {
            error: { code: 'invalid_credentials', message: 'wrong', field: 'currentPassword' },
          });
        if (newPassword === currentPassword)
          return json(400, {
            error: { code: 'same_password', message: 'same', field: 'newPassword' },
          });
        if (newPassword.length < 10)
          return json(400, {
            error: { code: 'invalid_body', message: 'too short', field: 'newPassword' },
          });
        user.password = newPassword;
        user.mustChangePassword = false;
        return json(200, { changed: true, endedSessions: 0 });
      }
      case 'GET /api/me': {
        const caller = this.#caller(headers);
        if (caller instanceof Response) return caller;
        return json(200, { user: { id: caller.userId }, device: { id: caller.deviceId } });
      }
      case 'POST /api/audit/events': {
        const device = this.#device(headers);
        if (device instanceof Response) return device;
        const { events } = parsed() as { events: unknown[] };
        this.audit.push(...events);
        return json(200, { accepted: events.length });
      }
      case 'POST /api/sync': {
        // A revoked device's body is kept (quarantine), whether it came with a token or the device headers.
        const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
        const access = token === undefined ? undefined : this.accessTokens.get(token);
        const deviceId =
          access === undefined
            ? headers.get('x-outpost-device')
            : this.sessions.get(access.sessionId)!.deviceId;
        const device = this.devices.get(deviceId ?? '');
        if (device?.revoked === true) {
          this.quarantined.push(body instanceof Uint8Array ? body : new Uint8Array());
          return error(401, 'device_revoked');
        }
        const caller = this.#caller(headers);
        if (caller instanceof Response) return caller;
        return new Response(new Uint8Array(), { status: 200 });
      }
      default:
        return error(404, 'not_found');
    }
  };

  #device(headers: Headers): FakeDevice | Response {
    const device = this.devices.get(headers.get('x-outpost-device') ?? '');
    if (device === undefined || device.secret !== headers.get('x-outpost-device-secret'))
      return error(401, 'invalid_device_credentials');
    if (device.revoked) return error(401, 'device_revoked');
    return device;
  }

  #caller(headers: Headers): FakeSession | Response {
    const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
    const access = token === undefined ? undefined : this.accessTokens.get(token);
    if (access === undefined) return error(401, 'unauthenticated');
    const session = this.sessions.get(access.sessionId)!;
    const device = this.devices.get(session.deviceId)!;
    if (device.revoked) return error(401, 'device_revoked');
    if (access.expiresAt <= this.now()) return error(401, 'token_expired');
    const user = [...this.users.values()].find((u) => u.id === session.userId)!;
    if (user.disabled) return error(401, 'user_disabled');
    if (session.revoked) return error(401, 'session_revoked');
    return session;
  }

  #issue(user: FakeUser, device: FakeDevice) {
    const session: FakeSession = {
      id: nextId(0x5),
      userId: user.id,
      deviceId: device.id,
      revoked: false,
    };
    this.sessions.set(session.id, session);
    return this.#tokens(session.id);
  }

  #tokens(sessionId: string) {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    this.accessTokens.set(accessToken, {
      sessionId,
      expiresAt: this.now() + this.accessTtlS * 1000,
    });
    this.refreshTokens.set(refreshToken, { sessionId, used: false });
    return { accessToken, refreshToken, expiresIn: this.accessTtlS };
  }
}

/** A wall clock and a monotonic clock the test moves. */
export function manualClocks(startMs = Date.UTC(2025, 2, 3, 8)) {
  let wall = startMs;
  let mono = 1_000;
  return {
    now: () => wall,
    monotonicNow: () => mono,
    /** Time passes (both clocks). */
    advance(ms: number) {
      wall += ms;
      mono += ms;
    },
    /** Someone sets the tablet's date (monotonic time does not move). */
    setWall(ms: number) {
      wall = ms;
    },
    /** The app restarts: monotonic time starts again near zero. */
    restartMonotonic() {
      mono = 500;
    },
  };
}
