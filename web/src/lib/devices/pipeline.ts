/**
 * From a parsed DeviceMessage to adapter events, the same for every transport:
 * measurements become `reading`s (deduplicated, observations computed with the
 * right clock), streams become `live` samples, battery and device information
 * become their own events.
 */
import {
  DEFAULT_WEIGHT_RESOLUTION,
  dateTimeToEpochMs,
  dedupeKey,
  kPaToMmHg,
  toObservations,
  type DeviceMessage,
  type ReadingDeduper,
  type WeightResolution,
} from '@outpost/shared/devices';
import type { DeviceEmitter } from './emitter';
import type { AdapterDeps, DeviceIdentity, DeviceInfo } from './types';

export interface PipelineOptions {
  /** Device clock − tablet clock, learnt earlier (persisted per device). */
  learntOffsetMs?: number;
  /** Zone the device clock is set to, minutes east of UTC. Default: the tablet's zone. */
  deviceUtcOffsetMinutes?: number;
}

export class MessagePipeline {
  learntOffsetMs: number | undefined;
  weightResolution: WeightResolution = DEFAULT_WEIGHT_RESOLUTION;
  /** Highest glucose record sequence number seen (for "records after" on reconnect). */
  lastSequenceNumber: number | undefined;
  info: DeviceInfo = {};
  readonly #deviceUtcOffsetMinutes: number;

  constructor(
    private readonly emitter: DeviceEmitter,
    private readonly deduper: ReadingDeduper,
    private readonly deps: AdapterDeps,
    private readonly identity: () => DeviceIdentity | undefined,
    options: PipelineOptions = {},
  ) {
    this.learntOffsetMs = options.learntOffsetMs;
    // getTimezoneOffset is minutes WEST of UTC.
    this.#deviceUtcOffsetMinutes =
      options.deviceUtcOffsetMinutes ?? -new Date(deps.now()).getTimezoneOffset();
  }

  get deviceUtcOffsetMinutes(): number {
    return this.#deviceUtcOffsetMinutes;
  }

  /** The device told us its current time (Current Time / Date Time characteristic). */
  learnClock(deviceNowMs: number): void {
    this.learntOffsetMs = deviceNowMs - this.deps.now();
    this.emitter.emit('clock', { offsetMs: this.learntOffsetMs });
  }

  handle(message: DeviceMessage, fromMemory: boolean): void {
    const identity = this.identity();
    if (!identity) return;
    const nowMs = this.deps.now();
    switch (message.kind) {
      case 'batteryLevel':
        this.emitter.emit('battery', { levelPercent: message.levelPercent });
        return;
      case 'deviceInfo':
        this.info = { ...this.info, [message.field]: message.value };
        this.emitter.emit('info', this.info);
        return;
      case 'dateTime': {
        const ms = dateTimeToEpochMs(message.dateTime, this.#deviceUtcOffsetMinutes);
        if (ms !== undefined) this.learnClock(ms);
        return;
      }
      case 'weightScaleFeature':
        this.weightResolution = message.resolution;
        return;
      case 'glucoseContext': // context for a record; the record itself carries the value
        return;
      case 'heartRate':
      case 'plxContinuous':
      case 'cms50Sample': {
        const set = toObservations(message, { nowMs });
        this.emitter.emit('live', {
          atMs: nowMs,
          ...(message.kind === 'heartRate'
            ? { pulseRateBpm: message.heartRateBpm || null }
            : message.kind === 'plxContinuous'
              ? { spo2Percent: message.spo2Percent, pulseRateBpm: message.pulseRateBpm }
              : {
                  spo2Percent: message.spo2Percent,
                  pulseRateBpm: message.pulseRateBpm,
                  pleth: [message.plethysmogram],
                  signalStrength: message.signalStrength,
                  fingerOut: message.fingerOut,
                }),
          observations: set.observations,
          rejected: set.rejected,
        });
        return;
      }
      case 'intermediateCuffPressure':
        this.emitter.emit('live', {
          atMs: nowMs,
          cuffPressureMmHg:
            message.unit === 'kPa'
              ? Math.round(kPaToMmHg(message.cuffPressure))
              : message.cuffPressure,
          observations: [],
          rejected: [],
        });
        return;
      case 'bloodPressure':
      case 'temperature':
      case 'plxSpotCheck':
      case 'weight':
      case 'glucose': {
        if (message.kind === 'glucose') {
          this.lastSequenceNumber = Math.max(this.lastSequenceNumber ?? -1, message.sequenceNumber);
        }
        if (this.deduper.isDuplicate(message, identity.id, nowMs)) return;
        const set = toObservations(message, {
          nowMs,
          deviceUtcOffsetMinutes: this.#deviceUtcOffsetMinutes,
          // Records from memory are legitimately old: place them with the offset
          // learnt at connection, or they are pinned to arrival time and flagged.
          ...(fromMemory &&
            this.learntOffsetMs !== undefined && { learntOffsetMs: this.learntOffsetMs }),
        });
        this.emitter.emit('reading', {
          id: dedupeKey(message, identity.id),
          deviceId: identity.id,
          ...(identity.name !== undefined && { deviceName: identity.name }),
          message,
          observations: set.observations,
          rejected: set.rejected,
          receivedAtMs: nowMs,
          fromMemory,
        });
        return;
      }
    }
  }
}
