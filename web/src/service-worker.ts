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
  if (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === 'SKIP_WAITING'
  ) {
    void self.skipWaiting();
  }
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
