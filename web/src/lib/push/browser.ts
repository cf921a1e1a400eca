/**
 * Web Push (web-push.ts) wired to this browser: the service worker's push
 * manager, the Notification permission, the server API as the signed-in user,
 * and which user this browser's subscription belongs to (localStorage: a user
 * id and the push endpoint, no patient data).
 *
 * `installPushHooks` (once, at app start) stops a user's notifications when
 * they sign out of this tablet, and opens the consult when its notification
 * is tapped while the app is open (the service worker posts the consult id;
 * the page routes to it without a reload, which would lock the vault).
 */
import { callApi } from '$lib/api';
import { vault } from '$lib/auth/vault.svelte';
import { i18n } from '$lib/i18n/i18n.svelte';
import { createWebPush, type PushManagerLike, type PushOwner } from './web-push';

const OWNER_KEY = 'outpost.push.owner';

function readOwner(): PushOwner | undefined {
  try {
    const parsed = JSON.parse(localStorage.getItem(OWNER_KEY) ?? 'null') as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as PushOwner).userId === 'string' &&
      typeof (parsed as PushOwner).endpoint === 'string'
    )
      return parsed as PushOwner;
  } catch {
    // Unreadable or no storage: nobody.
  }
  return undefined;
}

function writeOwner(owner: PushOwner | undefined): void {
  try {
    if (owner === undefined) localStorage.removeItem(OWNER_KEY);
    else localStorage.setItem(OWNER_KEY, JSON.stringify(owner));
  } catch {
    // No storage: the switch shows off next time; the server still has the subscription.
  }
}

async function pushManager(): Promise<PushManagerLike | undefined> {
  if (!('serviceWorker' in navigator) || typeof PushManager === 'undefined') return undefined;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration?.pushManager;
}

export const webPush = createWebPush({
  pushManager,
  permission: () => (typeof Notification === 'undefined' ? undefined : Notification.permission),
  requestPermission: () => Notification.requestPermission(),
  api: callApi,
  readOwner,
  writeOwner,
});

/** The message the service worker posts when a consult's notification is tapped. */
export const OPEN_CONSULT_MESSAGE = 'outpost-open-consult';
/** The message that hands the service worker the notification's words in the user's language. */
export const NOTIFICATION_TEXT_MESSAGE = 'outpost-push-text';

/** Gives the service worker the words of the urgent-consult notification (no patient data). */
export function sendNotificationText(): void {
  void navigator.serviceWorker?.ready
    .then((registration) =>
      registration.active?.postMessage({
        type: NOTIFICATION_TEXT_MESSAGE,
        title: i18n.t('push.notification.title'),
        body: i18n.t('push.notification.body'),
      }),
    )
    .catch(() => undefined);
}

const CONSULT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let installed = false;

/** Once, at app start. `openConsult` routes to `/consults/<id>` in the open app. */
export function installPushHooks(openConsult: (id: string) => void): void {
  if (installed) return;
  installed = true;
  vault.subscribe(async (event) => {
    if (event.type === 'signing-out') await webPush.signingOut(event.userId);
  });
  navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; id?: unknown } | null;
    if (
      data?.type === OPEN_CONSULT_MESSAGE &&
      typeof data.id === 'string' &&
      CONSULT_ID.test(data.id)
    )
      openConsult(data.id);
  });
}
