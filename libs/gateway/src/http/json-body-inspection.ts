import type { FieldProblem } from '@tessera/platform';

/** The deepest nesting of arrays and objects a request body may have; the outermost one is level 1. */
export const MAX_JSON_DEPTH = 32;

/**
 * The most object members and array elements a request body may hold, counted together at every level. The
 * largest body a route takes (an order of 50 lines) holds about 150. Validation's cost grows faster than the
 * count: 80,000 unknown members, which fit in 1 MiB, took 3.6 s of the event loop, and 100,000 order lines 1.3 s.
 */
export const MAX_JSON_MEMBERS = 1_000;

// In a /u pattern a surrogate pair is one code point, so only a surrogate that has lost its partner matches.
const LONE_SURROGATE = /\p{Cs}/u;

interface Container {
  value: object;
  depth: number;
  parent?: Container;
  key?: string | number;
}

/**
 * The first thing in a parsed JSON body that no route may take: nesting
 * deeper than MAX_JSON_DEPTH (which would overflow the stack of the
 * recursive validation after it), more than MAX_JSON_MEMBERS members (which
 * would hold the event loop for seconds in that validation), or a string or
 * member name holding a lone UTF-16 surrogate (which cannot be stored or sent
 * on as UTF-8 without being replaced). The walk keeps its own stack, so no
 * depth can overflow it, and stops at the first problem, so no width holds it.
 */
export function findJsonBodyProblem(body: unknown): FieldProblem | undefined {
  if (typeof body === 'string') return LONE_SURROGATE.test(body) ? loneSurrogate('body') : undefined;
  if (!isContainer(body)) return undefined;
  const pending: Container[] = [{ value: body, depth: 1 }];
  let members = 0;
  while (pending.length > 0) {
    const container = pending.pop()!;
    if (container.depth > MAX_JSON_DEPTH) return tooDeep();
    const { value } = container;
    if (Array.isArray(value)) {
      members += value.length;
      if (members > MAX_JSON_MEMBERS) return tooManyMembers();
      for (let index = 0; index < value.length; index += 1) {
        const problem = visit(container, index, value[index], pending);
        if (problem) return problem;
      }
      continue;
    }
    const keys = Object.keys(value);
    members += keys.length;
    if (members > MAX_JSON_MEMBERS) return tooManyMembers();
    for (const key of keys) {
      if (LONE_SURROGATE.test(key)) return loneSurrogate(pathOf(container, escaped(key)));
      const problem = visit(container, key, (value as Record<string, unknown>)[key], pending);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Checks a string member at once and queues a container member for its own turn. */
function visit(container: Container, key: string | number, member: unknown, pending: Container[]): FieldProblem | undefined {
  if (typeof member === 'string') return LONE_SURROGATE.test(member) ? loneSurrogate(pathOf(container, key)) : undefined;
  if (isContainer(member)) pending.push({ value: member, depth: container.depth + 1, parent: container, key });
  return undefined;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** The dotted path of a member, as validation problems name fields (`items.0.productId`); built only for a problem. */
function pathOf(container: Container, key: string | number): string {
  const keys = [key];
  for (let at: Container | undefined = container; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

// JSON.stringify writes a lone surrogate as a \uXXXX escape, so the name can be shown without the character itself.
function escaped(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}

function tooDeep(): FieldProblem {
  return { field: 'body', message: `body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of arrays and objects are accepted` };
}

function tooManyMembers(): FieldProblem {
  return {
    field: 'body',
    message: `body has too many members: at most ${MAX_JSON_MEMBERS} object members and array elements, at all levels together, are accepted`,
  };
}

function loneSurrogate(field: string): FieldProblem {
  return { field, message: `${field} must be well-formed Unicode text: it contains a lone UTF-16 surrogate` };
}
