/**
 * Consult domain rules shared by the tablet and the server: the frozen patient
 * snapshot, the priority (health worker's urgency raised to the score's floor),
 * service levels and stall warnings, and the specialist queue's order.
 */
export * from './priority';
export * from './service-levels';
export * from './snapshot';
export * from './routing';
export * from './monitoring-window';
export * from './presence';
