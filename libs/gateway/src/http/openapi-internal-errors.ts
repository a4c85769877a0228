import { getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CODES } from '@tessera/contracts';
import { PROBLEM_CONTENT_TYPE, problemDetails } from '@tessera/platform';
import { ProblemDto } from '../problems/problem.dto';
import { INTERNAL_DETAIL } from '../problems/problem.mapper';
import { operationsOf } from './openapi-operations';

/**
 * Lists on every operation the 500 INTERNAL that any of them answers to a failure the shop did not foresee (a row
 * the domain refuses, a bug): a client generated from the document can then read its problem+json as it reads the
 * others, instead of meeting a status it was never told of. What it says is fixed, and says nothing of the failure:
 * the log line that names it carries the answer's X-Request-Id.
 */
export function documentInternalErrors(document: OpenAPIObject): OpenAPIObject {
  for (const [, operation] of operationsOf(document)) {
    if (operation.responses['500']) continue;
    operation.responses['500'] = {
      description: `${ERROR_CODES.INTERNAL}: a failure the shop did not foresee; the log line naming it carries this answer's X-Request-Id`,
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(ProblemDto) },
          examples: { [ERROR_CODES.INTERNAL]: { summary: ERROR_CODES.INTERNAL, value: problemDetails(500, ERROR_CODES.INTERNAL, INTERNAL_DETAIL) } },
        },
      },
    };
  }
  return document;
}
