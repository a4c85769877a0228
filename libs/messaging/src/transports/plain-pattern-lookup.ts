import type { MessageHandler } from '@nestjs/microservices';

/**
 * The handler of a pattern, found the cheap way for the plain string
 * patterns Tessera uses. Nest's own lookup first tries JSON.parse on every
 * pattern, which throws for a plain string: about 3.5% of the CPU of a
 * product read, in the monolith. An object pattern (JSON) is left to Nest.
 */
export function handlerOfPattern(
  handlers: Map<string, MessageHandler>,
  pattern: string,
  nestLookup: (pattern: string) => MessageHandler | null,
): MessageHandler | null {
  // A packet with no pattern, read off a socket that anything may write to (a port scanner, a probe, a bug), is
  // answered as a pattern nobody serves, not with a TypeError logged by the server.
  if (typeof pattern !== 'string') return null;
  if (pattern.startsWith('{')) return nestLookup(pattern);
  return handlers.get(pattern) ?? null;
}
