/** One consult open on screen (health worker or specialist). */
import { consultDocId, readConsult, type ConsultView } from '@outpost/shared/model';
import type { ConsultId } from '@outpost/shared/ids';
import type { LocalStore } from '$lib/db';
import { OpenDocument } from './open-document.svelte';

export class ConsultRecord extends OpenDocument<ConsultView> {
  constructor(store: LocalStore, consultId: string) {
    super(store, consultDocId(consultId as ConsultId), readConsult);
  }
}
