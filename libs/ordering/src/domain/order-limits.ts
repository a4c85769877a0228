/** The bounds every order respects (API.md, Orders). */
export const ORDER_LIMITS = {
  maxLines: 50,
  maxQuantity: 1000,
} as const;
