/**
 * Shared pieces of the cross-package sync tests: tablets (the real `LocalStore`
 * on a `MemoryBackend` and the real sync engine), the domain operations they
 * run, and the comparisons that prove replicas identical and nothing lost.
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { createManualClock } from '@outpost/shared/deps';
import { createSeededIds, type ClinicId, type UserId } from '@outpost/shared/ids';
import {
  addAllergy,
  addCondition,
  assertFact,
  closeEncounter,
  markEnteredInError,
  readPatient,
  recordVitals,
  resolveAllergy,
  resolveCondition,
  setEncounterNote,
  startEncounter,
  updateProfile,
  type PatientView,
} from '@outpost/shared/model';
import { seededRandom } from '@outpost/shared/model/fixtures';
import type { Result } from '@outpost/shared/result';
import { documentState } from '../../web/src/lib/db/document-tail';
import { createMemoryStore, MemoryBackend } from '../../web/src/lib/db/memory-store';
import type { LocalStore } from '../../web/src/lib/db/local-store';
import {
  createSyncClient,
  type SyncClient,
  type SyncClientOptions,
  type Transport,
} from '../../web/src/lib/sync/engine';
import { createHttpTransport } from '../../web/src/lib/sync/transport';
import type { IdentityFixture, Requester, TestUser } from '../../server/test/support/identity';

export type ManualClock = ReturnType<typeof createManualClock>;

/** 2025-03-03T08:00Z: tablets' device clocks start here. */
export const TABLET_START_MS = Date.UTC(2025, 2, 3, 8);

export interface SimTablet {
  readonly name: string;
  readonly clock: ManualClock;
  readonly deviceId: string;
  readonly userId: UserId;
  backend: MemoryBackend;
  store: LocalStore;
  client: SyncClient;
  /** The app restarting: a new store and engine on the same stored data. */
  restart(): Promise<void>;
}

export interface TabletOptions {
  readonly name: string;
  readonly clinicId: ClinicId;
  /** The enrolled device's id (the store's identity, as on a real tablet); default: a new id. */
  readonly deviceId?: string;
  /** The signed-in user (changes carry it); default: a new id. */
  readonly userId?: UserId;
  /** Seeds ids and the Yjs client id: distinct per tablet. */
  readonly seed: number;
  readonly transport: Transport;
  readonly sync?: Omit<SyncClientOptions, 'store' | 'transport' | 'clock'>;
}

export async function createTablet(options: TabletOptions): Promise<SimTablet> {
  const clock = createManualClock(TABLET_START_MS);
  const ids = createSeededIds(() => clock.now(), seededRandom(options.seed));
  const random = { next: seededRandom(options.seed ^ 0x5eed) };
  // Drawn even when given, so the seeded ids that follow (documents, visits) stay the same.
  const drawnDeviceId = ids.newId();
  const drawnUserId = ids.newId() as UserId;
  const deviceId = options.deviceId ?? drawnDeviceId;
  const userId = options.userId ?? drawnUserId;
  const open = async (backend: MemoryBackend) => {
    const store = await createMemoryStore({
      clinicId: options.clinicId,
      userId,
      clock,
      ids,
      random,
      backend,
      identity: { deviceId },
    });
    const client = createSyncClient({
      store,
      transport: options.transport,
      clock,
      timeoutMs: 60_000,
      ...options.sync,
    });
    return { store, client };
  };
  const backend = new MemoryBackend();
  const tablet: SimTablet = {
    name: options.name,
    clock,
    deviceId,
    userId,
    backend,
    ...(await open(backend)),
    async restart() {
      tablet.store.close();
      tablet.backend = tablet.backend.reopen();
      const reopened = await open(tablet.backend);
      tablet.store = reopened.store;
      tablet.client = reopened.client;
    },
  };
  return tablet;
}

/**
 * A tablet's credentials on the real server: an enrolled device and a user signed
 * in on it (docs/security.md). The tokens change when refreshed.
 */
export interface TabletAuth {
  readonly deviceId: string;
  readonly deviceSecret: string;
  readonly userId: string;
  accessToken: string;
  refreshToken: string;
}

/** What enrolls devices and signs users in: the server's own API and services (test fixture). */
type Identities = Pick<IdentityFixture, 'enrollDevice' | 'createUser' | 'signInAs'>;

/**
 * Enrolls a device of `clinicId` (a one-time code) and signs a health worker of
 * that clinic in on it — `user` when given (one person on several tablets).
 */
export async function signInTablet(
  ids: Identities,
  clinicId: string,
  user?: TestUser,
): Promise<TabletAuth> {
  const device = await ids.enrollDevice(clinicId);
  const person = user ?? (await ids.createUser(clinicId));
  const signedIn = await ids.signInAs(person, device);
  return {
    deviceId: device.deviceId,
    deviceSecret: device.deviceSecret,
    userId: person.id,
    accessToken: signedIn.accessToken,
    refreshToken: signedIn.refreshToken,
  };
}

/**
 * `fetch` as the tablet's vault does it: `Authorization: Bearer`, and on
 * `401 token_expired` one refresh (device headers; the new tokens kept) and one retry.
 */
export function authorisedFetch(auth: TabletAuth, fetchImpl: typeof fetch = fetch) {
  return async (url: string, init: RequestInit = {}): Promise<Response> => {
    const send = () => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${auth.accessToken}`);
      return fetchImpl(url, { ...init, headers });
    };
    const response = await send();
    if (response.status !== 401) return response;
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { error?: { code?: string } };
    if (body.error?.code !== 'token_expired') return response;
    const refreshed = await fetchImpl(new URL('/api/auth/refresh', url).toString(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-outpost-device': auth.deviceId,
        'x-outpost-device-secret': auth.deviceSecret,
      },
      body: JSON.stringify({ refreshToken: auth.refreshToken }),
    });
    if (!refreshed.ok) return response;
    const tokens = (await refreshed.json()) as { accessToken: string; refreshToken: string };
    auth.refreshToken = tokens.refreshToken;
    auth.accessToken = tokens.accessToken;
    return send();
  };
}

/** The real HTTP transport of the web app as a signed-in tablet, over any `fetch` (an in-process app or a socket). */
export function httpTransport(
  auth: () => TabletAuth,
  url: () => string,
  fetchImpl: typeof fetch = fetch,
): Transport {
  return createHttpTransport({
    url: 'http://outpost.invalid/api/sync',
    gzip: false,
    fetch: (_input, init) => authorisedFetch(auth(), fetchImpl)(url(), init),
  });
}

/**
 * Enrolls with an enrollment code and signs `user` in, over HTTP (a server process
 * whose database was prepared beforehand: codes and users made with the server's
 * own services while it was stopped).
 */
export async function enrollOverHttp(
  base: string,
  code: string,
  user: Pick<TestUser, 'id' | 'username' | 'password'>,
): Promise<TabletAuth> {
  const enrolled = await fetch(`${base}/api/devices/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, label: 'Integration tablet' }),
  });
  if (enrolled.status !== 201)
    throw new Error(`enroll: ${enrolled.status} ${await enrolled.text()}`);
  const device = (await enrolled.json()) as { deviceId: string; deviceSecret: string };
  const signedIn = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-outpost-device': device.deviceId,
      'x-outpost-device-secret': device.deviceSecret,
    },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  if (signedIn.status !== 200)
    throw new Error(`sign-in: ${signedIn.status} ${await signedIn.text()}`);
  const tokens = (await signedIn.json()) as { accessToken: string; refreshToken: string };
  return { ...device, userId: user.id, ...tokens };
}

/** An app-like requester for `identityFixture` over an in-process app. */
export function appRequester(app: {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}): Requester {
  return { request: (input, init) => app.request(input, init) };
}

export function newClinicId(): ClinicId {
  return randomUUID() as ClinicId;
}

// -----------------------------------------------------------------------------
// Domain operations on shared patients

/**
 * What a tablet saved, as tokens every replica must hold afterwards:
 * `patient:<docId>`, `encounter:<id>`, `closed:<id>`, `obs:<id>`, `error:<obsId>`,
 * `fact:<id>` (assertions, allergy/condition additions and resolutions).
 */
export type Expected = Map<string, Set<string>>;

export function addExpected(expected: Expected, docId: string, ...tokens: string[]): void {
  let set = expected.get(docId);
  if (set === undefined) expected.set(docId, (set = new Set()));
  for (const token of tokens) set.add(token);
}

export type PatientOp =
  | {
      readonly op: 'profile';
      readonly field: 'village' | 'phone' | 'familyName';
      readonly value: string;
    }
  | { readonly op: 'vitals'; readonly heartRate: number; readonly temperature: number }
  | { readonly op: 'close' }
  | { readonly op: 'enteredInError'; readonly pick: number; readonly replacement: number | null }
  | { readonly op: 'note'; readonly words: string }
  | { readonly op: 'allergy'; readonly name: string }
  | { readonly op: 'condition'; readonly name: string }
  | { readonly op: 'resolve'; readonly pick: number }
  | {
      readonly op: 'fact';
      readonly fact:
        | { readonly field: 'sex'; readonly value: 'female' | 'male' | 'other' | 'unknown' }
        | { readonly field: 'dateOfBirth'; readonly value: { readonly ageYears: number } }
        | {
            readonly field: 'pregnancy';
            readonly value: { readonly status: 'pregnant' | 'not-pregnant' | 'unknown' };
          };
    };

/** Creates a patient on the tablet; returns its docId. */
export async function createSharedPatient(
  tablet: SimTablet,
  givenName: string,
  expected: Expected,
  sex?: 'female' | 'male',
): Promise<string> {
  const created = await tablet.store.createPatient({
    profile: { givenName, village: 'Fictionville' },
    ...(sex !== undefined && { sex }),
  });
  if (!created.ok)
    throw new Error(`${tablet.name}: patient not saved: ${JSON.stringify(created.error)}`);
  addExpected(expected, created.value.docId, `patient:${created.value.docId}`);
  return created.value.docId;
}

type OpOutcome = { readonly saved: boolean; readonly detail: string };

/**
 * Runs one domain operation through `LocalStore.applyOp` (saved durably, S1).
 * A refusal by the model (e.g. the encounter was closed by a colleague) is
 * legitimate and saves nothing; a storage failure is not.
 */
export async function runPatientOp(
  tablet: SimTablet,
  docId: string,
  step: PatientOp,
  expected: Expected,
): Promise<OpOutcome> {
  const tokens: string[] = [];
  const result: Result<string, unknown> = await tablet.store.applyOp(
    docId,
    (doc, ctx): Result<string, unknown> => {
      const view = readPatient(doc);
      if (!view.ok) return view;
      const openEncounter = () => view.value.encounters.find((e) => e.status === 'open')?.id;
      switch (step.op) {
        case 'profile': {
          const r = updateProfile(doc, ctx, { [step.field]: step.value });
          return r.ok ? { ok: true, value: `${step.field}=${step.value}` } : r;
        }
        case 'vitals': {
          let encounterId = openEncounter();
          if (encounterId === undefined) {
            const started = startEncounter(doc, ctx, { reason: 'Routine check' });
            if (!started.ok) return started;
            encounterId = started.value;
            tokens.push(`encounter:${encounterId}`);
          }
          const r = recordVitals(doc, ctx, {
            encounterId,
            source: { kind: 'typed' },
            readings: [
              { key: 'heartRate', value: step.heartRate, confirmed: true },
              { key: 'temperature', value: step.temperature, confirmed: true },
            ],
          });
          if (!r.ok) return r;
          tokens.push(...r.value.map((id) => `obs:${id}`));
          return {
            ok: true,
            value: `enc ${short(encounterId)} obs ${r.value.map(short).join(',')}`,
          };
        }
        case 'close': {
          const encounterId = openEncounter();
          if (encounterId === undefined) return { ok: false, error: 'no open encounter' };
          const r = closeEncounter(doc, ctx, { encounterId });
          if (!r.ok) return r;
          tokens.push(`closed:${encounterId}`);
          return { ok: true, value: `closed ${short(encounterId)}` };
        }
        case 'enteredInError': {
          const finals = view.value.encounters
            .flatMap((e) => e.observations)
            .filter((o) => o.status === 'final' && o.key === 'heartRate');
          const target = finals[step.pick % Math.max(1, finals.length)];
          if (target === undefined) return { ok: false, error: 'no observation' };
          const r = markEnteredInError(doc, ctx, {
            observationId: target.id,
            reason: 'Typed into the wrong record',
            ...(step.replacement !== null && {
              replacement: { key: 'heartRate', value: step.replacement, confirmed: true },
            }),
          });
          if (!r.ok) return r;
          tokens.push(`error:${target.id}`);
          if (r.value.replacementId !== undefined) tokens.push(`obs:${r.value.replacementId}`);
          return { ok: true, value: `error ${short(target.id)}` };
        }
        case 'note': {
          const encounter = view.value.encounters.find((e) => e.status === 'open');
          if (encounter === undefined) return { ok: false, error: 'no open encounter' };
          const r = setEncounterNote(doc, ctx, {
            encounterId: encounter.id,
            text: `${encounter.note} ${step.words}`.trim(),
          });
          return r.ok ? { ok: true, value: `note +"${step.words}"` } : r;
        }
        case 'allergy': {
          const r = addAllergy(doc, ctx, { name: step.name });
          if (!r.ok) return r;
          tokens.push(`fact:${r.value}`);
          return { ok: true, value: `allergy ${step.name} ${short(r.value)}` };
        }
        case 'condition': {
          const r = addCondition(doc, ctx, { name: step.name });
          if (!r.ok) return r;
          tokens.push(`fact:${r.value}`);
          return { ok: true, value: `condition ${step.name} ${short(r.value)}` };
        }
        case 'resolve': {
          const active = [
            ...view.value.allergies.active.map((item) => ({ item, list: 'allergy' as const })),
            ...view.value.conditions.active.map((item) => ({ item, list: 'condition' as const })),
          ];
          const target = active[step.pick % Math.max(1, active.length)];
          if (target === undefined) return { ok: false, error: 'nothing active' };
          const resolve = target.list === 'allergy' ? resolveAllergy : resolveCondition;
          const r = resolve(doc, ctx, { id: target.item.id });
          if (!r.ok) return r;
          tokens.push(`fact:${r.value}`);
          return { ok: true, value: `resolved ${target.list} ${short(target.item.id)}` };
        }
        case 'fact': {
          const r = assertFact(doc, ctx, step.fact);
          if (!r.ok) return r;
          tokens.push(`fact:${r.value}`);
          return { ok: true, value: `${step.fact.field}=${JSON.stringify(step.fact.value)}` };
        }
      }
    },
  );
  if (!result.ok) {
    const error = result.error as { type?: string };
    if (
      error.type === 'StorageFull' ||
      error.type === 'StorageFailure' ||
      error.type === 'DocumentNotFound'
    )
      throw new Error(`${tablet.name}: ${step.op} not saved: ${JSON.stringify(result.error)}`);
    return { saved: false, detail: `refused (${JSON.stringify(result.error).slice(0, 80)})` };
  }
  addExpected(expected, docId, ...tokens);
  return { saved: true, detail: result.value };
}

export function short(id: string): string {
  return id.slice(-6);
}

// -----------------------------------------------------------------------------
// Replica comparison

/** Every token a patient document holds (raw arrays: superseded facts included). */
export function tokensOf(doc: Y.Doc, docId: string): Set<string> {
  const tokens = new Set<string>([`patient:${docId}`]);
  const entries = (name: string) => doc.getArray<Record<string, unknown>>(name).toArray();
  for (const fact of entries('facts'))
    if (typeof fact.id === 'string') tokens.add(`fact:${fact.id}`);
  for (const event of entries('encounters')) {
    if (event.t === 'start') tokens.add(`encounter:${String(event.enc)}`);
    if (event.t === 'close') tokens.add(`closed:${String(event.enc)}`);
  }
  for (const set of entries('observations'))
    for (const item of (set.obs as Array<{ id: string }> | undefined) ?? [])
      tokens.add(`obs:${item.id}`);
  for (const erratum of entries('errata')) tokens.add(`error:${String(erratum.obs)}`);
  return tokens;
}

export interface Replica {
  readonly name: string;
  /** The merged state of a document, or undefined when the replica lacks it. */
  state(docId: string): Promise<Uint8Array | undefined>;
  /** Every patient document id the replica holds. */
  docIds(): Promise<string[]>;
}

export function tabletReplica(tablet: SimTablet): Replica {
  return {
    name: tablet.name,
    async state(docId) {
      const record = await tablet.backend.get('documents', docId);
      // The row's state and the changes saved since (its tail), as one update.
      return record === undefined ? undefined : documentState(record);
    },
    async docIds() {
      return (await tablet.backend.getAll('documents')).map((record) => record.docId).sort();
    },
  };
}

export interface ReplicaSnapshot {
  readonly view: PatientView;
  readonly tokens: Set<string>;
  readonly stateVector: Map<number, number>;
}

export function snapshotOf(state: Uint8Array, docId: string): ReplicaSnapshot {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const view = readPatient(doc);
  if (!view.ok)
    throw new Error(`${docId} does not read as a patient: ${JSON.stringify(view.error)}`);
  const snapshot = {
    view: view.value,
    tokens: tokensOf(doc, docId),
    stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)),
  };
  doc.destroy();
  return snapshot;
}

/**
 * Proves convergence and no loss: every replica holds the same documents, each
 * with the same `readPatient` projection, the same Yjs state vector and the same
 * raw entries; and every token a tablet saved is among them. Returns the
 * problems found (empty = pass), so a failing schedule prints all of them.
 */
export async function compareReplicas(
  replicas: readonly Replica[],
  expected: Expected,
): Promise<string[]> {
  const problems: string[] = [];
  const [reference, ...others] = replicas;
  if (reference === undefined) return problems;
  const referenceIds = await reference.docIds();
  for (const docId of expected.keys())
    if (!referenceIds.includes(docId)) problems.push(`${reference.name} lacks ${docId}`);
  for (const replica of others) {
    const ids = await replica.docIds();
    if (JSON.stringify(ids) !== JSON.stringify(referenceIds))
      problems.push(
        `${replica.name} holds ${ids.length} documents, ${reference.name} ${referenceIds.length}`,
      );
  }
  for (const docId of referenceIds) {
    const referenceState = await reference.state(docId);
    if (referenceState === undefined) continue;
    const base = snapshotOf(referenceState, docId);
    for (const token of expected.get(docId) ?? [])
      if (!base.tokens.has(token))
        problems.push(`${reference.name}: ${docId} lacks saved ${token}`);
    for (const replica of others) {
      const state = await replica.state(docId);
      if (state === undefined) {
        problems.push(`${replica.name} lacks ${docId}`);
        continue;
      }
      const other = snapshotOf(state, docId);
      if (!isDeepEqual(other.view, base.view))
        problems.push(
          `${replica.name} and ${reference.name} differ on ${docId}:\n  ${replica.name}: ${JSON.stringify(other.view)}\n  ${reference.name}: ${JSON.stringify(base.view)}`,
        );
      if (!isDeepEqual([...other.stateVector].sort(), [...base.stateVector].sort()))
        problems.push(
          `${replica.name} and ${reference.name} have different state vectors for ${docId}`,
        );
      const missing = [...base.tokens].filter((token) => !other.tokens.has(token));
      const extra = [...other.tokens].filter((token) => !base.tokens.has(token));
      if (missing.length + extra.length > 0)
        problems.push(
          `${replica.name} vs ${reference.name} on ${docId}: missing ${missing.join(' ')} extra ${extra.join(' ')}`,
        );
    }
  }
  return problems;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}
