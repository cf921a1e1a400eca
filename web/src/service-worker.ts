/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell so that after the first visit
 * the app opens with no network at all.
 *
 * - Hashed build assets are precached with no revision (their URL is their
 *   version); static files and the shell carry the build's version.
 * - Navigations are answered with the cached shell (client-side routing); API,
 *   health and websocket paths always go to the network.
 * - A new worker waits until the page tells it to take over (SKIP_WAITING),
 *   which the page does only when the user accepts "Update available — reload".
 * - Web Push (docs/consults.md): an urgent consult for a subscribed specialist
 *   shows "Urgent consult waiting" — never patient data, the lock screen of a
 *   shared device shows it — and a tap opens that consult (lib/push/).
 */
import { build, files, version } from '$service-worker';
import { clientsClaim } from 'workbox-core';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope;

const SHELL_URL = '/index.html';

precacheAndRoute([
  ...build.map((url) => ({ url, revision: null })),
  ...files.map((url) => ({ url, revision: version })),
  { url: SHELL_URL, revision: version },
]);
cleanupOutdatedCaches();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL(SHELL_URL), {
    denylist: [/^\/api\//, /^\/healthz/, /^\/ws\//],
  }),
);

// On the very first install there is no page to interrupt: take control at once
// so the first visit is already offline-capable.
clientsClaim();

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null) return;
  const type = (data as { type?: unknown }).type;
  if (type === 'SKIP_WAITING') {
    void self.skipWaiting();
  } else if (type === PUSH_TEXT_MESSAGE) {
    const { title, body } = data as { title?: unknown; body?: unknown };
    if (typeof title === 'string' && typeof body === 'string')
      event.waitUntil(saveNotificationText({ title, body }));
  }
});

// ---------------------------------------------------------------------------
// Web Push: urgent consults for specialists.

/** lib/push/browser.ts: the page's messages. */
const PUSH_TEXT_MESSAGE = 'outpost-push-text';
const OPEN_CONSULT_MESSAGE = 'outpost-open-consult';
/** The notification's words in the user's language, as the page last gave them. */
const SETTINGS_CACHE = 'outpost-settings';
const TEXT_URL = '/__outpost/push-text';
const CONSULT_DOC_ID = /^consult\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/**
 * Until a page has handed over the words of the user's language (it does when
 * notifications are turned on, and on every visit to "This tablet"), English
 * (web/src/lib/i18n/en.ts `push.notification.*`).
 */
const DEFAULT_TEXT: NotificationText = {
  title: 'Urgent consult waiting',
  body: 'Open Outpost to see it.',
};

async function saveNotificationText(text: NotificationText): Promise<void> {
  const cache = await caches.open(SETTINGS_CACHE);
  await cache.put(TEXT_URL, new Response(JSON.stringify(text)));
}

async function notificationText(): Promise<NotificationText> {
  try {
    const cached = await (await caches.open(SETTINGS_CACHE)).match(TEXT_URL);
    const text = (await cached?.json()) as Partial<NotificationText> | undefined;
    if (typeof text?.title === 'string' && typeof text.body === 'string')
      return { title: text.title, body: text.body };
  } catch {
    // Unreadable: the default.
  }
  return DEFAULT_TEXT;
}

/** The consult's id from the server's payload `{type: 'consult', docId, priority}`, if well formed. */
function consultIdOf(event: PushEvent): string | undefined {
  try {
    const payload = event.data?.json() as { type?: unknown; docId?: unknown } | undefined;
    if (payload?.type !== 'consult' || typeof payload.docId !== 'string') return undefined;
    return CONSULT_DOC_ID.exec(payload.docId)?.[1];
  } catch {
    return undefined;
  }
}

// `userVisibleOnly`: every push must show a notification, whatever its payload.
self.addEventListener('push', (event: PushEvent) => {
  const consultId = consultIdOf(event);
  event.waitUntil(
    notificationText().then((text) =>
      self.registration.showNotification(text.title, {
        body: text.body,
        // One notification per consult; a repeat replaces it.
        tag: consultId === undefined ? 'outpost-urgent' : `outpost-urgent-${consultId}`,
        icon: '/icons/icon.svg',
        requireInteraction: true,
        data: { consultId: consultId ?? null },
      }),
    ),
  );
});

// A tap focuses the open app and routes it to the consult (no reload: that would
// lock it), or opens the app on the consult (it asks for the PIN first).
self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const data = event.notification.data as { consultId?: unknown } | null;
  const consultId = typeof data?.consultId === 'string' ? data.consultId : undefined;
  const url = consultId === undefined ? '/queue' : `/consults/${consultId}`;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open === undefined) {
        await self.clients.openWindow(url);
        return;
      }
      await open.focus();
      if (consultId !== undefined) open.postMessage({ type: OPEN_CONSULT_MESSAGE, id: consultId });
    }),
  );
});

// Background Sync: the page registers 'outpost-sync' after a failed sync or a
// change made offline (lib/sync/manager.svelte.ts). The tablet store lives in
// the page, so the worker only wakes open pages to sync.
self.addEventListener('sync', (event: Event) => {
  const syncEvent = event as ExtendableEvent & { readonly tag?: string };
  if (syncEvent.tag !== 'outpost-sync') return;
  syncEvent.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((windows) => {
      for (const client of windows) client.postMessage({ type: 'outpost-sync' });
    }),
  );
});
