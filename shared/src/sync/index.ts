/** The sync protocol: messages, codec, version and close codes. See SPEC.md. */
export * from './messages';
export * from './codec';
export * from './clash';
