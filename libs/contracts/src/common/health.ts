/** The reply of every context's `<context>.check-health` request. */
export interface HealthReply {
  context: string;
  status: 'up' | 'down';
  details?: Record<string, unknown>;
}
