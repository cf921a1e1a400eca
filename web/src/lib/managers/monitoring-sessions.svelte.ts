/**
 * Running monitoring sessions outlive the screen that started them: the idle
 * lock (2 minutes) replaces every page with the lock screen, and a child under
 * observation must go on being recorded while it is locked. The visit's monitor
 * panel takes its session from here; the session keeps receiving the oximeter's
 * samples (and saving chunks and minutes) until it is stopped or the clinic's
 * store closes (user switch, sign-out), after which `resume()` picks it up again
 * from the stored chunks.
 */
import type { LocalStore } from '$lib/db';
import type { DevicesManager } from './devices.svelte';
// Type only: the session class (device streams, risk rules) loads with the visit
// screen, not with the first screen that imports this registry through the session.
import type { MonitoringSession } from './monitoring.svelte';

interface Entry {
  readonly store: LocalStore;
  readonly session: MonitoringSession;
  readonly unsubscribe: () => void;
}

// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a registry, never rendered
const sessions = new Map<string, Entry>();

const keyOf = (patientDocId: string, encounterId: string) => `${patientDocId}|${encounterId}`;

/** The visit's monitoring session, created by `create` (and fed from `devices`) on first use. */
export function monitoringSessionFor(
  store: LocalStore,
  devices: DevicesManager,
  patientDocId: string,
  encounterId: string,
  create: () => MonitoringSession,
): MonitoringSession {
  const key = keyOf(patientDocId, encounterId);
  const existing = sessions.get(key);
  if (existing !== undefined && existing.store === store) return existing.session;
  existing?.unsubscribe();
  const session = create();
  const unsubscribe = devices.onLive((deviceId, sample) => session.onLive(deviceId, sample));
  sessions.set(key, { store, session, unsubscribe });
  return session;
}

/** The panel closed: forget the session unless it is recording. */
export function releaseMonitoringSession(patientDocId: string, encounterId: string): void {
  const key = keyOf(patientDocId, encounterId);
  const entry = sessions.get(key);
  if (entry === undefined || entry.session.session !== undefined) return;
  entry.unsubscribe();
  sessions.delete(key);
}

/** The store closed (user switch, sign-out, erase): stop feeding its sessions. */
export function dropMonitoringSessions(store: LocalStore): void {
  for (const [key, entry] of sessions)
    if (entry.store === store) {
      entry.unsubscribe();
      sessions.delete(key);
    }
}
