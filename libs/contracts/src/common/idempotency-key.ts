/** The longest Idempotency-Key accepted, in characters (API.md: 1..255). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
