/**
 * One patient record open on screen (OpenDocument: kept fresh from the store
 * and the live channel, its opening audited), with its continuous-monitoring
 * sessions and its links (merges, "not the same person") projected beside the record.
 */
import type { PatientId } from '@outpost/shared/ids';
import {
  patientDocId,
  readMonitoring,
  readPatient,
  type MonitoringView,
  type PatientView,
} from '@outpost/shared/model';
import { readLinks, type PatientLinks } from '@outpost/shared/model/links';
import type { LocalStore } from '$lib/db';
import { OpenDocument } from './open-document.svelte';

export class PatientRecord extends OpenDocument<PatientView> {
  /** Continuous-monitoring sessions and their per-minute summaries (shared/model/monitoring). */
  monitoring = $state.raw<MonitoringView>({ sessions: [], problems: [] });
  /** Merges and "not the same person" decisions, with who and when (shared/model/merge). */
  links = $state.raw<PatientLinks>({ mergedFrom: [], undone: [], distinctFrom: [], distinct: [] });

  constructor(store: LocalStore, patientId: string) {
    super(store, patientDocId(patientId as PatientId), readPatient);
  }

  protected override refresh(): void {
    super.refresh();
    const doc = this.doc;
    if (doc !== undefined && this.status === 'ready') {
      this.monitoring = readMonitoring(doc);
      this.links = readLinks(doc);
    }
  }
}
