import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { ProblemDto } from './problem.dto';

/**
 * Documents problem+json answers by status, each with the codes it can carry:
 * `@ApiProblems({ 404: ['PRODUCT_NOT_FOUND'], 409: ['SKU_TAKEN: the SKU is in use'] })`.
 */
export function ApiProblems(byStatus: Readonly<Record<number, readonly string[]>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...Object.entries(byStatus).map(([status, codes]) =>
      ApiResponse({
        status: Number(status),
        description: codes.join('; '),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}

/**
 * Documents a problem+json answer whose body has members of its own, beside
 * the codes it carries: `@ApiProblemOf(402, PaymentDeclinedProblemDto, ['PAYMENT_DECLINED'])`.
 */
export function ApiProblemOf(status: number, type: Type<ProblemDto>, codes: readonly string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(type),
    ApiResponse({
      status,
      description: codes.join('; '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(type) } } },
    }),
  );
}
