/**
 * Who wrote it: the names of the clinic's staff, for "recorded by", "entered in
 * error by", merges and "not the same person" decisions.
 *
 * A shared tablet knows by name only the people who signed in on it. A
 * colleague who recorded a reading on another tablet is named by the clinic's
 * staff list (`GET /api/clinics/:id/staff`), fetched after a sync at most every
 * 12 hours and kept in this browser's localStorage per clinic (names and roles
 * only: no health data, and the lock screen already shows its users' names).
 * Anyone not found is shown by the end of their id, never as a blank.
 */
import { callApi } from '$lib/api';
import { vault } from '$lib/auth/vault.svelte';

const REFRESH_AFTER_MS = 12 * 60 * 60 * 1000;

interface StoredStaff {
  readonly fetchedAt: number;
  readonly names: Readonly<Record<string, string>>;
}

interface StaffResponse {
  readonly staff: readonly { readonly id: string; readonly name: string }[];
}

export const staffKey = (clinicId: string) => `outpost.staff.${clinicId}`;

export class StaffDirectory {
  /** Plain, not state: filled from storage during a render (state may not change there). */
  #names: Readonly<Record<string, string>> = {};
  /** Bumped when a fetch brings new names: screens showing names render again. */
  #version = $state(0);
  #fetchedAt: number | undefined;
  #clinicId: string | undefined;
  readonly #storage: () => Storage | undefined;

  constructor(storage: () => Storage | undefined = () => globalThis.localStorage) {
    this.#storage = storage;
  }

  /** The clinic of this tablet, with what this tablet last kept for it. */
  #clinic(): string | undefined {
    const clinicId = vault.device?.clinicId;
    if (clinicId !== this.#clinicId) {
      this.#clinicId = clinicId;
      const kept = clinicId === undefined ? undefined : read(this.#storage(), clinicId);
      this.#names = kept?.names ?? {};
      this.#fetchedAt = kept?.fetchedAt;
    }
    return clinicId;
  }

  /**
   * Fetches the list again when it is older than 12 hours (or `force`), keeping
   * the old one on any failure: offline, the names the tablet had still show.
   */
  async refresh(
    now: number,
    options: { force?: boolean; fetch?: typeof callApi<StaffResponse> } = {},
  ): Promise<void> {
    const clinicId = this.#clinic();
    if (clinicId === undefined) return;
    const fetchedAt = this.#fetchedAt;
    if (!options.force && fetchedAt !== undefined && now - fetchedAt < REFRESH_AFTER_MS) return;
    const result = await (options.fetch ?? callApi<StaffResponse>)(
      `/api/clinics/${encodeURIComponent(clinicId)}/staff`,
    );
    if (!result.ok || clinicId !== this.#clinicId) return;
    const names: Record<string, string> = {};
    for (const person of result.value.staff) names[person.id] = person.name;
    this.#names = names;
    this.#fetchedAt = now;
    this.#version++;
    try {
      this.#storage()?.setItem(staffKey(clinicId), JSON.stringify({ fetchedAt: now, names }));
    } catch {
      // Storage full: the names stay for this session and are fetched again next time.
    }
  }

  /** The person's name: signed in on this tablet, or on the clinic's staff list. */
  nameOf(userId: string): string {
    void this.#version;
    this.#clinic();
    return (
      vault.users.find((user) => user.userId === userId)?.name ??
      this.#names[userId] ??
      `…${userId.slice(-6)}`
    );
  }
}

function read(storage: Storage | undefined, clinicId: string): StoredStaff | undefined {
  try {
    const parsed = JSON.parse(storage?.getItem(staffKey(clinicId)) ?? 'null') as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as StoredStaff).fetchedAt === 'number' &&
      typeof (parsed as StoredStaff).names === 'object'
    )
      return parsed as StoredStaff;
  } catch {
    // Unreadable: fetched again at the next sync.
  }
  return undefined;
}

export const staff = new StaffDirectory();
