/**
 * The district admin's stalled-consult list: one request for the badge and the
 * page, paging with the server's cursor, errors kept apart from what is shown.
 */
import { describe, expect, test } from 'vitest';
import { err, ok, type Result } from '@outpost/shared/result';
import type { ApiError } from '$lib/api';
import {
  StalledConsults,
  answerLimitMs,
  stalledPath,
  waitedMs,
  type StalledConsult,
  type StalledPage,
} from './stalled.svelte';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 12, 10, 0);

function consult(n: number, overrides: Partial<StalledConsult> = {}): StalledConsult {
  return {
    docId: `consult/0193a000-0000-7000-8000-00000000000${n}`,
    clinic: { id: '01930000-0000-7000-8000-0000000c1c01', name: 'Kijiji Demo Clinic (fictional)' },
    status: 'received',
    priority: 'urgent',
    routing: { kind: 'specialty', specialty: 'paediatrics' },
    waitingSince: NOW - 5 * HOUR,
    answerDueAt: NOW - HOUR,
    waitingMs: 5 * HOUR,
    overdueByMs: HOUR,
    ...overrides,
  };
}

/** A server that answers from `pages` by cursor and records what it was asked. */
function fakeServer(pages: Record<string, Result<StalledPage, ApiError>>) {
  const asked: (string | undefined)[] = [];
  const fetchPage = (cursor: string | undefined) => {
    asked.push(cursor);
    const page = pages[cursor ?? 'first'];
    if (page === undefined) throw new Error(`unexpected cursor ${cursor}`);
    return Promise.resolve(page);
  };
  return { asked, fetchPage };
}

const page = (consults: StalledConsult[], nextCursor: string | null): StalledPage => ({
  consults,
  nextCursor,
  serverTime: NOW,
});

describe('stalled consults for the district admin', () => {
  test('the badge and the page share one request: opening the page again asks nothing', async () => {
    const server = fakeServer({ first: ok(page([consult(1), consult(2)], null)) });
    const list = new StalledConsults(server.fetchPage);
    expect(list.count).toBeUndefined();
    await list.ensureLoaded();
    await list.ensureLoaded();
    expect(server.asked).toEqual([undefined]);
    expect(list.count).toEqual({ shown: 2, more: false });
  });

  test('"Load more" follows the cursor, appends, and says when there is no more', async () => {
    const server = fakeServer({
      first: ok(page([consult(1), consult(2)], 'c1')),
      c1: ok(page([consult(2), consult(3)], null)),
    });
    const list = new StalledConsults(server.fetchPage);
    await list.refresh();
    expect(list.count).toEqual({ shown: 2, more: true });
    await list.loadMore();
    expect(server.asked).toEqual([undefined, 'c1']);
    // A consult that moved between pages is listed once.
    expect(list.items?.map((c) => c.docId.slice(-1))).toEqual(['1', '2', '3']);
    expect(list.count).toEqual({ shown: 3, more: false });
    await list.loadMore();
    expect(server.asked).toHaveLength(2);
  });

  test('a failed first page is an error to retry; a failed next page keeps what is shown', async () => {
    const offline: ApiError = { code: 'offline', message: 'offline', status: 0 };
    const failing = fakeServer({ first: err(offline) });
    const list = new StalledConsults(failing.fetchPage);
    await list.ensureLoaded();
    expect(list.error).toEqual(offline);
    expect(list.items).toBeUndefined();

    const halfway = fakeServer({ first: ok(page([consult(1)], 'c1')), c1: err(offline) });
    const paged = new StalledConsults(halfway.fetchPage);
    await paged.refresh();
    await paged.loadMore();
    expect(paged.error).toBeUndefined();
    expect(paged.moreError).toEqual(offline);
    expect(paged.items).toHaveLength(1);
    expect(paged.nextCursor).toBe('c1');
  });

  test('a refresh that overtakes a slower "Load more" wins', async () => {
    let release: (value: Result<StalledPage, ApiError>) => void = () => undefined;
    let calls = 0;
    const list = new StalledConsults((cursor) => {
      calls++;
      if (cursor === 'c1') return new Promise((resolve) => (release = resolve));
      return Promise.resolve(ok(page(calls === 1 ? [consult(1)] : [consult(4)], 'c1')));
    });
    await list.refresh();
    const more = list.loadMore();
    await list.refresh();
    release(ok(page([consult(2)], null)));
    await more;
    expect(list.items?.map((c) => c.docId.slice(-1))).toEqual(['4']);
  });

  test('the limit passed is the service level of its priority; the wait is the server’s', () => {
    expect(answerLimitMs('emergency')).toBe(1 * HOUR);
    expect(answerLimitMs('urgent')).toBe(4 * HOUR);
    expect(answerLimitMs('routine')).toBe(24 * HOUR);
    expect(waitedMs(consult(1), NOW)).toBe(5 * HOUR);
    expect(waitedMs(consult(1, { waitingMs: null }), NOW + HOUR)).toBe(6 * HOUR);
  });

  test('the request asks for one page, with the cursor when there is one', () => {
    expect(stalledPath(undefined)).toBe('/api/consults/stalled?limit=50');
    expect(stalledPath('abc_-')).toBe('/api/consults/stalled?limit=50&cursor=abc_-');
  });
});
