/**
 * One patient record open on screen (OpenDocument: kept fresh from the store
 * and the live channel, its opening audited), with its continuous-monitoring
 * sessions projected beside the record.
 */
import type { PatientId } from '@outpost/shared/ids';
import {
  patientDocId,
  readMonitoring,
  readPatient,
  type MonitoringView,
  type PatientView,
} from '@outpost/shared/model';
import type { LocalStore } from '$lib/db';
import { OpenDocument } from './open-document.svelte';

export class PatientRecord extends OpenDocument<PatientView> {
  /** Continuous-monitoring sessions and their per-minute summaries (shared/model/monitoring). */
  monitoring = $state.raw<MonitoringView>({ sessions: [], problems: [] });

  constructor(store: LocalStore, patientId: string) {
    super(store, patientDocId(patientId as PatientId), readPatient);
  }

  protected override refresh(): void {
    super.refresh();
    const doc = this.doc;
    if (doc !== undefined && this.status === 'ready') this.monitoring = readMonitoring(doc);
  }
}
