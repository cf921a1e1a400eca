/**
 * Capability detection, so the panel can say plainly why a device cannot be
 * reached and point to typed entry. Order matters: an insecure page hides the
 * APIs entirely, so it is checked first; a permissions policy can block an API
 * the browser has.
 */
import type { Support } from './types';

/** The parts of `window` the checks read (tests pass a plain object). */
export interface SupportEnvironment {
  readonly isSecureContext?: boolean;
  readonly navigator?: object;
  readonly document?: {
    readonly permissionsPolicy?: { allowsFeature(feature: string): boolean };
    readonly featurePolicy?: { allowsFeature(feature: string): boolean };
  };
}

function policyAllows(env: SupportEnvironment, feature: string): boolean {
  const policy = env.document?.permissionsPolicy ?? env.document?.featurePolicy;
  if (!policy) return true;
  try {
    return policy.allowsFeature(feature);
  } catch {
    return true;
  }
}

function detect(env: SupportEnvironment, api: string, feature: string): Support {
  if (env.isSecureContext === false) return 'insecure-context';
  if (!env.navigator || !(api in env.navigator)) return 'unsupported-browser';
  if (!policyAllows(env, feature)) return 'disabled-by-policy';
  return 'supported';
}

const browserEnv = (): SupportEnvironment =>
  typeof window === 'undefined' ? {} : (window as unknown as SupportEnvironment);

export function bluetoothSupport(env: SupportEnvironment = browserEnv()): Support {
  return detect(env, 'bluetooth', 'bluetooth');
}

/**
 * USB serial devices: Web Serial where the browser has it (desktop Chrome/Edge),
 * else WebUSB (Android Chrome) with our own bridge drivers.
 */
export function serialTransport(env: SupportEnvironment = browserEnv()): {
  readonly support: Support;
  readonly via?: 'serial' | 'webusb';
} {
  const serial = detect(env, 'serial', 'serial');
  if (serial === 'supported') return { support: serial, via: 'serial' };
  const usb = detect(env, 'usb', 'usb');
  if (usb === 'supported') return { support: usb, via: 'webusb' };
  // Report the more useful reason: a policy block beats "your browser lacks it".
  return { support: serial === 'unsupported-browser' ? usb : serial };
}

export function serialSupport(env: SupportEnvironment = browserEnv()): Support {
  return serialTransport(env).support;
}
