/**
 * shared/devices — pure parsers from medical-device bytes to typed messages and
 * observations. No transport code: Web Bluetooth / WebSerial adapters live in
 * web/src/lib/devices. See CONTEXT.md.
 */
export * from './errors';
export { hexToBytes, bytesToHex, decodeUtf8, encodeUtf8, type BadHex } from './bytes';
export * from './ieee11073';
export * from './dateTime';
export * from './heartRate';
export * from './bloodPressure';
export * from './intermediateCuffPressure';
export * from './temperature';
export * from './plx';
export * from './plxSpotCheck';
export * from './plxContinuous';
export * from './weight';
export * from './glucose';
export * from './glucoseContext';
export * from './deviceInfo';
export * from './characteristics';
export * from './observations';
export * from './dedupe';
export * from './cms50';
export * from './profiles';
export * from './decode';
export * from './monitorStream';
