/**
 * The district admin's stalled consults (issue 7, must-have 5: "a consult never
 * silently stalls"): `GET /api/consults/stalled` (docs/consults.md), most
 * overdue first, paged with the server's cursor.
 *
 * One list for the whole administration: the tab's count badge and the
 * "Stalled consults" page read the same state, so opening the administration
 * asks the server once — every consult the route lists is written to the audit
 * log as read by the admin, and a badge must not add rows on every tab click.
 *
 * Only the consult summaries the route gives are kept (clinic, routing,
 * priority, status, times); the screen shows no question text or patient
 * detail. The server is the clock: waiting and overdue times are as of the
 * response (`serverTime`), not the tablet's clock.
 */
import { createContext } from 'svelte';
import { CONSULT_SERVICE_LEVELS } from '@outpost/shared/consult';
import type { ConsultPriority, ConsultStatus } from '@outpost/shared/model';
import type { Result } from '@outpost/shared/result';
import type { ApiError } from '$lib/api';

/** One consult as `GET /api/consults/stalled` lists it (the fields this screen reads). */
export interface StalledConsult {
  readonly docId: string;
  readonly clinic: { readonly id: string; readonly name: string | null };
  readonly status: ConsultStatus;
  readonly priority: ConsultPriority;
  readonly routing:
    | { readonly kind: 'specialty'; readonly specialty: string }
    | { readonly kind: 'specialist'; readonly userId: string };
  readonly waitingSince: number;
  readonly answerDueAt: number | null;
  readonly waitingMs: number | null;
  readonly overdueByMs: number | null;
}

export interface StalledPage {
  readonly consults: readonly StalledConsult[];
  readonly nextCursor: string | null;
  readonly serverTime: number;
}

/** Asks the server for one page (`cursor` undefined: the first). */
export type FetchStalledPage = (
  cursor: string | undefined,
) => Promise<Result<StalledPage, ApiError>>;

/** The page size asked for: one screenful, and the badge says "50+" past it. */
export const STALLED_PAGE_SIZE = 50;

export function stalledPath(cursor: string | undefined, limit = STALLED_PAGE_SIZE): string {
  const query: Record<string, string> = { limit: String(limit) };
  if (cursor !== undefined) query.cursor = cursor;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off query string, not state
  return `/api/consults/stalled?${new URLSearchParams(query).toString()}`;
}

/** The service-level limit a consult of this priority passed (emergency 1 h, urgent 4 h, routine 24 h). */
export function answerLimitMs(priority: ConsultPriority): number {
  return CONSULT_SERVICE_LEVELS.answerWithinMs[priority];
}

/** How long it has waited as of the server's clock (the route's `waitingMs`, else since `waitingSince`). */
export function waitedMs(consult: StalledConsult, serverTime: number): number {
  return consult.waitingMs ?? Math.max(0, serverTime - consult.waitingSince);
}

export class StalledConsults {
  /** Loaded so far, most overdue first; undefined before the first answer. */
  items = $state.raw<readonly StalledConsult[] | undefined>(undefined);
  nextCursor = $state<string | null>(null);
  /** The server's clock at the last answer (ms). */
  serverTime = $state(0);
  /** The first page failed (the list is replaced by it). */
  error = $state<ApiError | undefined>(undefined);
  /** "Load more" failed (what is loaded stays on screen). */
  moreError = $state<ApiError | undefined>(undefined);
  loading = $state(false);

  readonly #fetchPage: FetchStalledPage;
  /** Each load gets a number; an answer to an older one is dropped (a refresh overtook it). */
  #generation = 0;

  constructor(fetchPage: FetchStalledPage) {
    this.#fetchPage = fetchPage;
  }

  /** For the tab's badge: how many are loaded, and whether there are more. */
  get count(): { readonly shown: number; readonly more: boolean } | undefined {
    return this.items === undefined
      ? undefined
      : { shown: this.items.length, more: this.nextCursor !== null };
  }

  /** The first page again (replaces what was loaded). */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.error = this.moreError = undefined;
    const result = await this.#fetchPage(undefined);
    if (generation !== this.#generation) return;
    this.loading = false;
    if (!result.ok) {
      this.error = result.error;
      return;
    }
    this.items = result.value.consults;
    this.nextCursor = result.value.nextCursor;
    this.serverTime = result.value.serverTime;
  }

  /** The first page, unless it is loaded or on its way (opening a tab does not ask again). */
  async ensureLoaded(): Promise<void> {
    if (this.items !== undefined || this.loading) return;
    await this.refresh();
  }

  /** The next page, appended ("Load more"); nothing when there is none. */
  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (cursor === null || this.loading) return;
    const generation = ++this.#generation;
    this.loading = true;
    this.moreError = undefined;
    const result = await this.#fetchPage(cursor);
    if (generation !== this.#generation) return;
    this.loading = false;
    if (!result.ok) {
      this.moreError = result.error;
      return;
    }
    // A consult answered between pages may have moved; never list one twice.
    const shown = this.items ?? [];
    this.items = [
      ...shown,
      ...result.value.consults.filter((item) => !shown.some((s) => s.docId === item.docId)),
    ];
    this.nextCursor = result.value.nextCursor;
    this.serverTime = result.value.serverTime;
  }

  /** Forgets everything (another user signs in). */
  clear(): void {
    this.#generation++;
    this.items = undefined;
    this.nextCursor = null;
    this.error = this.moreError = undefined;
    this.loading = false;
  }
}

/** The administration's one list: set by the admin layout, read by its tab badge and the page. */
export const [getStalledConsults, setStalledConsults] = createContext<StalledConsults>();
