/**
 * The one place that turns a failure into words a health worker understands
 * (CONVENTIONS: one error shape per boundary). Domain refusals name the field;
 * storage problems say what happened to the data.
 */
import type { ModelError } from '@outpost/shared/model';
import type { SaveError } from '$lib/db';
import { i18n } from '$lib/i18n/i18n.svelte';

export function describeSaveError(error: ModelError | SaveError): string {
  switch (error.type) {
    case 'StorageFull':
      return i18n.t('error.storageFull');
    case 'StorageFailure':
      return i18n.t('error.generic', { message: error.message });
    case 'DocumentNotFound':
      return i18n.t('patient.notFound');
    case 'ValidationFailed':
      return i18n.t('error.generic', { message: `${error.field}: ${error.message}` });
    case 'ImplausibleVitalSign':
      return i18n.t('error.generic', {
        message: `${error.key} ${error.value} ${error.unit} (${error.limits.min}–${error.limits.max})`,
      });
    default:
      return i18n.t('error.generic', { message: error.type });
  }
}
