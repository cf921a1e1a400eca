/**
 * The duplicate warning when a registered patient is edited: another record
 * that now looks like her is named; she is not her own duplicate, nor is a
 * record already marked "not the same person" as her. Both ways of looking:
 * the search index, and the store's own search while the index is being built.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { getOrThrow } from '@outpost/shared/result';
import type { LocalStore } from '$lib/db';
import { createHarness } from '$lib/db/testing';
import { patientSearch } from '$lib/managers/patient-search.svelte';
import { markDistinctRecords } from '$lib/merge-records';
import type { DraftIdentity } from '$lib/registration';
import { DuplicateWarning } from './duplicate-warning.svelte';

beforeEach(() => {
  const items = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  });
});
afterEach(() => {
  patientSearch.detach();
  vi.unstubAllGlobals();
});

async function clinic(store: LocalStore) {
  const register = async (givenName: string) =>
    getOrThrow(
      await store.createPatient({
        profile: { givenName, familyName: 'Kamau', village: 'Kijiji Cha Majaribio' },
        sex: 'female',
        dateOfBirth: { ageYears: 34 },
      }),
    );
  return { wanjiru: await register('Wanjiru'), amina: await register('Amina') };
}

/** Wanjiru's record, her given name being corrected to `name`. */
const edited = (givenName: string): DraftIdentity => ({
  name: `${givenName} Kamau`,
  phone: '',
  nationalId: '',
  village: 'Kijiji Cha Majaribio',
  clinicNumber: '',
  sex: 'female',
  ageYears: 34,
  ageEstimated: true,
});

describe.each([
  ['the store search (index not ready)', false],
  ['the search index', true],
])('editing a patient, by %s', (_way, indexed) => {
  test('names the record she now looks like, never her own', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, amina } = await clinic(store);
    if (indexed) {
      patientSearch.attach(store);
      await patientSearch.settled();
      expect(patientSearch.ready).toBe(true);
    }
    const warning = new DuplicateWarning(wanjiru.id);
    await warning.check(store, edited('Wanjiru'));
    expect(warning.candidates).toEqual([]);
    await warning.check(store, edited('Amina'));
    expect(warning.candidates.map((c) => c.id)).toEqual([amina.id]);

    // Marked as different people: no longer proposed.
    getOrThrow(await markDistinctRecords(store, wanjiru.id, amina.id));
    if (indexed) {
      // The index follows saved changes a moment later (coalesced): wait for it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await patientSearch.settled();
    }
    await warning.check(store, edited('Amina'));
    expect(warning.candidates).toEqual([]);
  });
});
