/**
 * System notifications for consults, with no patient data in them (a shared
 * tablet's lock screen shows them): "a specialist answered", "an urgent consult
 * arrived". In-app badges and banners are the primary signal; these only help
 * when the app is in the background and the user allowed notifications.
 */
function show(title: string, body: string, tag: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  void navigator.serviceWorker?.ready
    .then((registration) => registration.showNotification(title, { body, tag }))
    .catch(() => undefined);
}

/** Asks once, from a user gesture (a button), whether notifications may be shown. */
export async function askNotificationPermission(): Promise<NotificationPermission | undefined> {
  if (typeof Notification === 'undefined') return undefined;
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

export function notifyAnswers(count: number, title: string, body: string): void {
  if (count > 0) show(title, body, 'outpost-consult-answers');
}

export function notifyUrgentArrivals(count: number, title: string, body: string): void {
  if (count > 0) show(title, body, 'outpost-urgent');
}
