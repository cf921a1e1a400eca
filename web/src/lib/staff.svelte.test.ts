import { describe, expect, it } from 'vitest';
import { err, ok } from '@outpost/shared/result';
import { vault } from '$lib/auth/vault.svelte';
import { StaffDirectory, staffKey } from './staff.svelte';

const CLINIC = '0190a1b2-0000-7000-8000-00000000c11c';
const NEEMA = '0190a1b2-0000-7000-8000-0000000000a1';
const BARAKA = '0190a1b2-0000-7000-8000-0000000000b2';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

function onTablet() {
  vault.device = { deviceId: 'd', clinicId: CLINIC, clinicName: 'Kijiji (fictional)', label: 'T1' };
  vault.users = [];
}

describe('StaffDirectory: who wrote it', () => {
  it('names a colleague who never signed in on this tablet, from the clinic staff list, and keeps it offline', async () => {
    onTablet();
    const storage = memoryStorage();
    const staff = new StaffDirectory(() => storage);
    expect(staff.nameOf(BARAKA)).toBe('…0000b2');
    const asked: string[] = [];
    await staff.refresh(1_000, {
      fetch: (path) => {
        asked.push(path);
        return Promise.resolve(ok({ staff: [{ id: BARAKA, name: 'Baraka Mfano' }] }));
      },
    });
    expect(asked).toEqual([`/api/clinics/${CLINIC}/staff`]);
    expect(staff.nameOf(BARAKA)).toBe('Baraka Mfano');
    // A restart, offline: the names this tablet kept.
    const again = new StaffDirectory(() => storage);
    expect(again.nameOf(BARAKA)).toBe('Baraka Mfano');
    expect(JSON.parse(storage.getItem(staffKey(CLINIC))!)).toMatchObject({ fetchedAt: 1_000 });
  });

  it('asks again only after 12 hours, and a failed fetch keeps the names it had', async () => {
    onTablet();
    const storage = memoryStorage();
    const staff = new StaffDirectory(() => storage);
    let calls = 0;
    const answer = () => {
      calls++;
      return Promise.resolve(ok({ staff: [{ id: BARAKA, name: 'Baraka Mfano' }] }));
    };
    await staff.refresh(0, { fetch: answer });
    await staff.refresh(60 * 60 * 1000, { fetch: answer });
    expect(calls).toBe(1);
    await staff.refresh(13 * 60 * 60 * 1000, {
      fetch: () => {
        calls++;
        return Promise.resolve(err({ code: 'offline', message: 'offline', status: 0 }));
      },
    });
    expect(calls).toBe(2);
    expect(staff.nameOf(BARAKA)).toBe('Baraka Mfano');
  });

  it('prefers the name of someone signed in on this tablet', () => {
    onTablet();
    vault.users = [
      {
        userId: NEEMA,
        username: 'neema',
        name: 'Neema Mwangi',
        role: 'health-worker',
        signInRequired: false,
        mustChangePassword: false,
      },
    ];
    expect(new StaffDirectory(() => memoryStorage()).nameOf(NEEMA)).toBe('Neema Mwangi');
  });
});
