/**
 * The health worker's consult badge: how many consults need her (answered, or
 * more information asked for). Recounted whenever a consult changes; when a
 * sync brings new answers, a notification without patient data is shown.
 */
import type { LocalStore } from '$lib/db';
import { notifyAnswers } from '$lib/consults/notifications';
import { i18n } from '$lib/i18n/i18n.svelte';

export class ConsultInbox {
  needsYou = $state(0);
  #store: LocalStore | undefined;
  #unsubscribe: (() => void) | undefined;

  attach(store: LocalStore | undefined): void {
    if (store === this.#store) return;
    this.#unsubscribe?.();
    this.#store = store;
    this.needsYou = 0;
    if (store === undefined) return;
    void this.#count(false);
    this.#unsubscribe = store.subscribe((event) => {
      if (event.type === 'document' && event.docId.startsWith('consult/'))
        void this.#count(event.cause !== 'local');
    });
  }

  async #count(fromElsewhere: boolean): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const rows = await store.listConsults();
    if (store !== this.#store) return;
    const count = rows.filter(
      (r) => r.status === 'answered' || r.status === 'more-info-needed',
    ).length;
    if (fromElsewhere && count > this.needsYou)
      notifyAnswers(count - this.needsYou, 'Outpost', i18n.t('consult.answeredNotification'));
    this.needsYou = count;
  }
}

export const consultInbox = new ConsultInbox();
