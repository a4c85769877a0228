import Joi from 'joi';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { envSchema } from './env.schema';
import { ConfigurationError } from '@tessera/messaging';

/** The settings CONFIG_FILE may change while the process runs; each keeps its environment variable's name and rules. */
export const RUNTIME_SETTING_NAMES = [
  'RATE_LIMIT_PER_MINUTE',
  'LOGIN_RATE_LIMIT_PER_MINUTE',
  'LOG_LEVEL',
  'ORDER_PAYMENT_TIMEOUT_SECONDS',
  'REQUEST_TIMEOUT_MS',
] as const;

export type RuntimeSettingName = (typeof RUNTIME_SETTING_NAMES)[number];

/** The value of every runtime setting, as the process uses it now. */
export interface RuntimeSettingValues {
  RATE_LIMIT_PER_MINUTE: number;
  LOGIN_RATE_LIMIT_PER_MINUTE: number;
  LOG_LEVEL: string;
  ORDER_PAYMENT_TIMEOUT_SECONDS: number;
  REQUEST_TIMEOUT_MS: number;
}

const ENVIRONMENT_ONLY = new Set(Object.keys(envSchema.describe().keys ?? {}).filter((name) => !isRuntimeSettingName(name)));

const runtimeFileSchema = Joi.object(Object.fromEntries(RUNTIME_SETTING_NAMES.map((name) => [name, envSchema.extract(name)])))
  .pattern(
    Joi.string().valid(...ENVIRONMENT_ONLY),
    Joi.any().forbidden().messages({ 'any.unknown': '{{#label}} is not a runtime setting: set it in the environment and restart' }),
  )
  .messages({ 'object.unknown': `{{#label}} is not a setting (a runtime setting is one of ${RUNTIME_SETTING_NAMES.join(', ')})` });

function isRuntimeSettingName(name: string): name is RuntimeSettingName {
  return (RUNTIME_SETTING_NAMES as readonly string[]).includes(name);
}

/** Why a CONFIG_FILE was not taken, in one line that names the key at fault. */
export class RuntimeSettingsRefusal extends Error {}

/**
 * The settings a CONFIG_FILE's YAML text sets, checked with the environment's
 * rules. A file is taken whole or not at all: a bad value, an unknown key or
 * one that only the environment may set (a secret, the topology) refuses it.
 */
export function parseRuntimeSettings(text: string): Partial<RuntimeSettingValues> {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) throw new RuntimeSettingsRefusal(`not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  const content: unknown = document.toJS() ?? {};
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new RuntimeSettingsRefusal('not a mapping of setting names to values');
  // Without defaults: a key the file leaves out keeps the environment's value, as does one it sets to nothing
  // (`LOG_LEVEL:`), which the environment reads as unset too.
  const set = Object.fromEntries(Object.entries(content).filter(([name, setting]) => !(isRuntimeSettingName(name) && (setting === null || setting === ''))));
  const { error, value } = runtimeFileSchema.validate(set, { abortEarly: false, convert: true, noDefaults: true });
  if (error) throw new RuntimeSettingsRefusal(error.details.map((detail) => detail.message.replace(/"/g, '')).join('; '));
  return value as Partial<RuntimeSettingValues>;
}

/** The text of the file at `path`; one that cannot be read is refused like a bad one. */
export function readRuntimeSettingsText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuntimeSettingsRefusal(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The environment with CONFIG_FILE's settings over it, as the process starts; a bad file stops the start naming the key. */
export function withRuntimeSettingsFile(env: Record<string, unknown>): Record<string, unknown> {
  const file = env.CONFIG_FILE;
  if (typeof file !== 'string' || file === '') return env;
  try {
    return { ...env, ...parseRuntimeSettings(readRuntimeSettingsText(file)) };
  } catch (refusal) {
    throw startRefusedBy(file, refusal);
  }
}

/** What stops a start on a refused CONFIG_FILE: the file and the key at fault, as a bad environment variable is named. */
export function startRefusedBy(file: string, refusal: unknown): Error {
  return new ConfigurationError(`Invalid configuration: CONFIG_FILE ${file} ${(refusal as Error).message}`);
}
