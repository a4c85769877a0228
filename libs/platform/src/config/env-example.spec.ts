import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { envSchema, validateEnv } from './env.schema';

// The names the apps read besides envSchema's: the gateway's TCP event addresses (libs/messaging) and OpenTelemetry's own.
const READ_OUTSIDE_THE_SCHEMA = /^(GATEWAY_TCP_ADDRESS(ES)?|OTEL_[A-Z_]+)$/;

describe('.env.example', () => {
  const example = readFileSync(join(__dirname, '..', '..', '..', '..', '.env.example'), 'utf8');
  // Every setting is there commented out, `# NAME=default`, so that a copy changes nothing until a line is uncommented.
  const listed = parseEnv(
    example
      .split('\n')
      .filter((line) => /^# [A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(2))
      .join('\n'),
  );

  it('lists every configuration name the apps read, and no other', () => {
    const schemaNames = Object.keys(envSchema.describe().keys ?? {});
    expect(schemaNames.filter((name) => !(name in listed))).toEqual([]);
    expect(Object.keys(listed).filter((name) => !schemaNames.includes(name) && !READ_OUTSIDE_THE_SCHEMA.test(name))).toEqual([]);
  });

  it('gives defaults the apps accept', () => {
    const defaults = Object.fromEntries(Object.entries(listed).filter(([name, value]) => value !== '' && !READ_OUTSIDE_THE_SCHEMA.test(name)));
    expect(() => validateEnv(defaults)).not.toThrow();
  });
});
