import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_EXAMPLES } from './problem-examples';
import { PROBLEM_CONTENT_TYPE, problemDetails, ProblemDetails } from '@tessera/platform';
import { ProblemDto } from './problem.dto';

type ExamplesByCode = Record<string, { summary: string; value: ProblemDetails }>;

/** The examples documented so far on a route or controller, by status: a later decorator for the same status adds to them. */
const DOCUMENTED_EXAMPLES = 'tessera:documented-problem-examples';

/**
 * Documents problem+json answers by status, each with the codes it can carry
 * and an example of each code with that status:
 * `@ApiProblems({ 404: ['PRODUCT_NOT_FOUND'], 409: ['SKU_TAKEN: the SKU is in use'] })`.
 */
export function ApiProblems(byStatus: Readonly<Record<number, readonly string[]>>): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(ProblemDto), ...Object.entries(byStatus).map(([status, codes]) => problemResponse(Number(status), ProblemDto, codes)));
}

/**
 * Documents a problem+json answer whose body has members of its own, beside
 * the codes it carries: `@ApiProblemOf(402, PaymentDeclinedProblemDto, ['PAYMENT_DECLINED'])`.
 */
export function ApiProblemOf(status: number, type: Type<ProblemDto>, codes: readonly string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(type), problemResponse(status, type, codes));
}

/** Documents what any route that takes a JSON body may answer before its own code runs. */
export const ApiJsonBodyProblems = (): MethodDecorator & ClassDecorator =>
  ApiProblems({
    400: ['MALFORMED_JSON: the body is not JSON, not UTF-8, or empty with a JSON Content-Type'],
    413: ['PAYLOAD_TOO_LARGE: the body is over 1 MiB'],
    415: ['UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json'],
  });

/**
 * Documents what a POST or DELETE route that takes no body answers when one is sent anyway: Fastify parses it as on
 * any route, and BodylessRouteGuard refuses any field.
 */
export const ApiNoBodyProblems = (): MethodDecorator & ClassDecorator =>
  applyDecorators(ApiJsonBodyProblems(), ApiProblems({ 400: ['VALIDATION_FAILED: a body was sent, other than `{}`: this route takes none'] }));

function problemResponse(status: number, type: Type<ProblemDto>, codes: readonly string[]): MethodDecorator & ClassDecorator {
  const documentedCodes = codes.map((entry) => ({ entry, example: exampleOf(status, entry) }));
  const decorate = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    // ApiResponse keeps the content of the last decorator for a status: the examples of the earlier ones are carried over here.
    const holder: object = descriptor?.value ?? target;
    const documented: Record<number, ExamplesByCode> = Reflect.getMetadata(DOCUMENTED_EXAMPLES, holder) ?? {};
    const fresh = documentedCodes.filter(({ example: [code] }) => !documented[status]?.[code]);
    if (fresh.length === 0) return;
    const merged = { ...documented[status], ...Object.fromEntries(fresh.map(({ example }) => example)) };
    Reflect.defineMetadata(DOCUMENTED_EXAMPLES, { ...documented, [status]: merged }, holder);
    const response = ApiResponse({
      status,
      description: fresh.map(({ entry }) => entry).join('; '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(type) }, examples: merged } },
    });
    if (descriptor) {
      response(target, key as string | symbol, descriptor);
      return;
    }
    // In the document a route's own answer for a status replaces its controller's: the controller's codes join each such route's.
    const prototype = (target as Type<unknown>).prototype as object;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name);
      const routeDocumented: Record<number, ExamplesByCode> | undefined = method?.value && Reflect.getMetadata(DOCUMENTED_EXAMPLES, method.value);
      if (method && routeDocumented?.[status]) decorate(prototype, name, method);
    }
    response(target as Type<unknown>);
  };
  return decorate;
}

/** `CODE` or `CODE: when it happens`, as the example named by the code. */
function exampleOf(status: number, entry: string): [string, { summary: string; value: ProblemDetails }] {
  const separator = entry.indexOf(':');
  const code = separator === -1 ? entry : entry.slice(0, separator);
  const when = separator === -1 ? '' : entry.slice(separator + 1).trim();
  const example = PROBLEM_EXAMPLES[code];
  if (!example) throw new Error(`@ApiProblems: no example for the problem code ${code}; add one to PROBLEM_EXAMPLES in problem-examples.ts`);
  return [code, { summary: when ? `${code}: ${when}` : code, value: problemDetails(status, code, example.detail, example.errors, example.extensions) }];
}
