/**
 * Whether demo data is wanted: outside production unless SEED_DEMO_DATA is
 * false, in production only when SEED_DEMO_DATA is true.
 */
export function isDemoDataWanted(nodeEnv: string | undefined, seedDemoData: unknown): boolean {
  const flag = parseFlag(seedDemoData);
  return nodeEnv === 'production' ? flag === true : flag !== false;
}

// The validated configuration holds a boolean; a raw environment holds a string.
function parseFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return undefined;
}
