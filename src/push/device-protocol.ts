// Re-exports the wire rules of docs/push.md, which live in the domain (use cases need them too).
export * from '../domain/push-protocol.js';
