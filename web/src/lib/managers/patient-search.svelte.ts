/**
 * The patient search index for the open clinic store, kept in memory and in
 * step with the store: built from the `patients` read model when the store
 * opens (in chunks, so the first screen stays responsive), updated row by row
 * as records are saved, synced or changed live, rebuilt when the read models
 * are. Until it is ready, screens fall back to the store's prefix search.
 * Duplicate review (pairs) and the registration warning use the same rows.
 */
import type { LocalStore, PatientRow } from '$lib/db';
import type * as DuplicateRulesModule from '$lib/search/duplicates';
import type {
  DuplicateFinder,
  DuplicatePair,
  DuplicateReason,
  Identity,
} from '$lib/search/duplicates';
import { PatientIndex } from '$lib/search/patient-index';
import { forgetWords } from '$lib/search/phonetic';

/** Above this many changed records at once (a first sync), rebuild instead of updating. */
const REBUILD_ABOVE = 500;
const DISMISSED_KEY = 'outpost.duplicates.dismissed';
/** Rows, then blocks, handled per task while the duplicate finder is first filled. */
const FINDER_CHUNK = 500;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

type DuplicateRules = typeof DuplicateRulesModule;
let duplicateRules: Promise<DuplicateRules> | undefined;
/** The duplicate rules load after the first screen: drawing the patient list does not need them. */
const loadDuplicateRules = (): Promise<DuplicateRules> =>
  (duplicateRules ??= import('$lib/search/duplicates'));

export class PatientSearch {
  /** True once the index holds every patient of the store. */
  ready = $state(false);
  /** Bumped whenever the index changes: screens re-run their query on it. */
  revision = $state(0);
  #index = new PatientIndex();
  /**
   * Likely duplicate pairs, kept up to date row by row like the index; first
   * filled in small tasks after the index is ready (ten thousand patients
   * compared at once would freeze a cheap tablet for a second).
   */
  #finder: DuplicateFinder | undefined;
  #finderFilled = false;
  #pairsCache: { revision: number; day: number; pairs: DuplicatePair[] } | undefined;
  #store: LocalStore | undefined;
  #unsubscribe: (() => void) | undefined;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping; `revision` is the state
  #dirty = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #work: Promise<void> = Promise.resolve();
  #filling: Promise<void> = Promise.resolve();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- read through `revision`
  #dismissed = new Set<string>();

  /** Follows `store` (idempotent for the same store). */
  attach(store: LocalStore): void {
    if (this.#store === store) return;
    this.#unsubscribe?.();
    this.#store = store;
    this.ready = false;
    this.#index = new PatientIndex();
    this.#resetFinder();
    this.#dismissed = loadDismissed();
    this.#unsubscribe = store.subscribe((event) => {
      if (event.type === 'readModels') this.#queue(() => this.#rebuild(store));
      else if (event.type === 'document' && event.docId.startsWith('patient/')) {
        this.#dirty.add(event.docId);
        if (this.#timer === undefined)
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#queue(() => this.#flush(store));
          }, 20);
      }
    });
    this.#queue(() => this.#rebuild(store));
  }

  /**
   * Forgets the store and every indexed row (names, phones: patient data in
   * memory) when the key leaves memory (user switch, sign-out, revocation).
   */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#store = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty.clear();
    this.#index = new PatientIndex();
    this.#resetFinder();
    forgetWords();
    this.ready = false;
    this.revision++;
  }

  /** Resolves once every change announced so far is in the index (tests, bench). */
  settled(): Promise<void> {
    return this.#work.then(() => this.#filling);
  }

  #queue(task: () => Promise<void>): void {
    this.#work = this.#work.then(task).catch((error: unknown) => {
      console.error('patient search index', error);
    });
  }

  async #rebuild(store: LocalStore): Promise<void> {
    this.#dirty.clear();
    // IndexedDB counts are unsigned 32-bit: "all" is the largest such limit.
    const rows = await store.listPatients({ limit: 0x7fff_ffff });
    if (store !== this.#store) return;
    const index = new PatientIndex();
    await index.replaceAll(rows);
    if (store !== this.#store) return;
    this.#index = index;
    this.#resetFinder();
    this.ready = true;
    this.revision++;
    // Not awaited: changes saved meanwhile reach the index without waiting for it.
    this.#filling = this.#fillFinder(store).catch((error: unknown) => {
      console.error('duplicate finder', error);
    });
  }

  #resetFinder(): void {
    this.#finder = undefined;
    this.#finderFilled = false;
    this.#pairsCache = undefined;
  }

  /** Fills the duplicate finder from the index and compares the rows, a chunk per task. */
  async #fillFinder(store: LocalStore): Promise<void> {
    const { DuplicateFinder } = await loadDuplicateRules();
    if (store !== this.#store || this.#finder !== undefined) return;
    const finder = new DuplicateFinder();
    this.#finder = finder;
    // From here, changes reach the finder row by row (#flush); the rows as they are now fill it.
    const rows = [...this.#index.all()];
    const abandoned = () => store !== this.#store || finder !== this.#finder || this.#finderFilled;
    for (let i = 0; i < rows.length; i += FINDER_CHUNK) {
      await nextTask();
      if (abandoned()) return;
      // A row changed since the snapshot is already in the finder, newer (#flush).
      for (const row of rows.slice(i, i + FINDER_CHUNK))
        if (this.#index.get(row.docId) === row) finder.upsert(row);
    }
    for (;;) {
      await nextTask();
      if (abandoned()) return;
      if (finder.compare(Date.now(), FINDER_CHUNK)) break;
    }
    this.#finderFilled = true;
    this.revision++;
  }

  async #flush(store: LocalStore): Promise<void> {
    if (this.#dirty.size === 0) return;
    if (this.#dirty.size > REBUILD_ABOVE) return this.#rebuild(store);
    const docIds = [...this.#dirty];
    this.#dirty.clear();
    const rows = await Promise.all(docIds.map((docId) => store.getPatientRow(docId)));
    if (store !== this.#store) return;
    docIds.forEach((docId, i) => {
      const row = rows[i];
      if (row) {
        this.#index.upsert(row);
        this.#finder?.upsert(row);
      } else {
        this.#index.remove(docId);
        this.#finder?.remove(docId);
      }
    });
    this.revision++;
  }

  search(text: string, limit = 50): PatientRow[] {
    return this.#index.search(text, limit);
  }

  recent(limit = 50): PatientRow[] {
    return this.#index.recent(limit);
  }

  row(docId: string): PatientRow | undefined {
    return this.#index.get(docId);
  }

  /** The rows (merged ones included) of the records merged into `patientId`. */
  mergedInto(patientId: string): PatientRow[] {
    const rows: PatientRow[] = [];
    for (const row of this.#index.all()) if (row.mergedInto === patientId) rows.push(row);
    return rows;
  }

  /** Patients who look like the one being registered, with why (`rules`: `$lib/search/duplicates`). */
  duplicatesOf(
    identity: Identity,
    nowMs: number,
    { duplicateReasons, identityOfRow }: Pick<DuplicateRules, 'duplicateReasons' | 'identityOfRow'>,
  ): { row: PatientRow; reasons: DuplicateReason[] }[] {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local to this call
    const candidates = new Map<string, PatientRow>();
    const lookups = [identity.name, identity.nationalId, identity.phone].filter(
      (text): text is string => text !== undefined && text.trim().length >= 3,
    );
    for (const text of lookups)
      for (const row of this.#index.search(text, 200)) candidates.set(row.docId, row);
    const found: { row: PatientRow; reasons: DuplicateReason[] }[] = [];
    for (const row of candidates.values()) {
      const reasons = duplicateReasons(identity, identityOfRow(row, nowMs));
      if (reasons.length > 0) found.push({ row, reasons });
    }
    return found.slice(0, 10);
  }

  /**
   * Likely duplicate pairs on this tablet, those dismissed as different people
   * left out. Cheap once the finder is filled (only changed records are
   * compared again); asked for earlier, it fills the finder at once.
   */
  duplicatePairs(nowMs: number): DuplicatePair[] {
    const day = Math.floor(nowMs / 86_400_000);
    const cached = this.#pairsCache;
    if (cached?.revision === this.revision && cached.day === day) return cached.pairs;
    const finder = this.#finder;
    // The rules are still loading (moments after the first screen): none yet, the
    // fill bumps `revision` when they are in.
    if (finder === undefined) return [];
    if (!this.#finderFilled) {
      finder.replaceAll(this.#index.all());
      this.#finderFilled = true;
    }
    const pairs = finder.pairs(nowMs, (key) => this.#dismissed.has(key));
    this.#pairsCache = { revision: this.revision, day, pairs };
    return pairs;
  }

  /** "Not the same person": the pair stops being proposed (on this tablet). */
  dismiss(key: string): void {
    this.#dismissed.add(key);
    try {
      localStorage.setItem(DISMISSED_KEY, JSON.stringify([...this.#dismissed]));
    } catch {
      // Not persisted: it still holds until the app restarts.
    }
    this.revision++;
  }
}

function loadDismissed(): Set<string> {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return new Set(Array.isArray(stored) ? stored.filter((k) => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

export const patientSearch = new PatientSearch();
