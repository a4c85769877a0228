/** Injection token of the context whose messaging persistence a module provides: the consumer name of its event handlers. */
export const MESSAGING_CONTEXT = Symbol('MESSAGING_CONTEXT');
