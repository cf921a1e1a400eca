/** Batch sync, its status for the UI, and the live channel. See CONTEXT.md. */
export {
  CLOCK_WARNING_MS,
  TransportError,
  backoffDelayMs,
  createSyncClient,
  describeSyncError,
} from './engine';
export type {
  SyncClient,
  SyncClientOptions,
  SyncError,
  SyncProgress,
  SyncReport,
  Transport,
} from './engine';
export { createHttpTransport, pushOutboxForQuarantine, SYNC_CONTENT_TYPE } from './transport';
export type { FetchLike, HttpTransportOptions } from './transport';
export {
  BACKGROUND_SYNC_TAG,
  OFFLINE_MESSAGE,
  SYNC_MESSAGE_TYPE,
  SyncManager,
  syncManager,
} from './manager.svelte';
export type { SyncManagerOptions } from './manager.svelte';
export { connectLive, defaultLiveUrl, liveTicketsFrom } from './live';
export type { LiveConnection, LiveOptions, LiveStatus, LiveTicket } from './live';
