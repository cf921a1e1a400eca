/**
 * The administration API's answers (docs/security.md, "Administration"), as
 * the admin screens read them.
 */
import type { TabletRole } from '$lib/db';
import { i18n } from '$lib/i18n/i18n.svelte';

export const ROLES: readonly TabletRole[] = [
  'health-worker',
  'clinician',
  'specialist',
  'district-admin',
  'system-admin',
];

export interface AdminUser {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly role: TabletRole;
  readonly districtId: string | null;
  readonly clinicIds: readonly string[];
  readonly specialties: readonly string[];
  readonly disabled: boolean;
  readonly mustChangePassword: boolean;
}

export interface Clinic {
  readonly id: string;
  readonly name: string;
  readonly districtId: string;
}

export interface Me {
  readonly user: {
    readonly id: string;
    readonly name: string;
    readonly role: TabletRole;
    readonly districtId: string | null;
  };
  readonly device: { readonly id: string; readonly clinicId: string; readonly label: string };
}

export interface AdminDevice {
  readonly id: string;
  readonly clinicId: string;
  readonly label: string;
  readonly enrolledAt: string;
  readonly lastSeenAt: string | null;
  readonly revokedAt: string | null;
}

export interface AuditEntry {
  readonly id: number;
  readonly serverTime: string;
  readonly deviceTime: string | null;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly clinicId: string | null;
  readonly docId: string | null;
  readonly patientDocId: string | null;
  readonly action: string;
  readonly outcome: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface QuarantineEntry {
  readonly id: string;
  readonly deviceId: string;
  readonly userId: string | null;
  readonly receivedAt: string;
  readonly bytes: number;
  readonly summary: {
    readonly decoded?: boolean;
    readonly pushes?: readonly { docId: string; localSeq: number; bytes: number }[];
  };
  readonly reviewedAt: string | null;
}

/** Districts named by their clinics (the API gives district ids only). */
export function districtsOf(clinics: readonly Clinic[]): { id: string; clinics: string[] }[] {
  const byId = new Map<string, string[]>();
  for (const clinic of clinics) {
    const names = byId.get(clinic.districtId) ?? [];
    names.push(clinic.name);
    byId.set(clinic.districtId, names);
  }
  return [...byId].map(([id, names]) => ({ id, clinics: names.sort() }));
}

/** "25/11/2026, 15:57": dates in narrow table columns. */
export function shortDateTime(value: Date): string {
  return i18n.date(value, { dateStyle: 'short', timeStyle: 'short' });
}

/** "2 d 3 h", "4 h 10 min", "25 min": a wait in a table cell, rounded down to the minute. */
export function durationText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days > 0)
    return hours % 24 === 0
      ? i18n.t('admin.duration.wholeDays', { days })
      : i18n.t('admin.duration.days', { days, hours: hours % 24 });
  if (hours > 0)
    return minutes % 60 === 0
      ? i18n.t('admin.duration.wholeHours', { hours })
      : i18n.t('admin.duration.hours', { hours, minutes: minutes % 60 });
  return i18n.t('admin.duration.minutes', { minutes });
}
