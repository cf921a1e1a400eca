/**
 * Photo checks shared by the tablet and the server (see image.ts).
 */
export * from './image';
