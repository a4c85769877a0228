import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** Every operation of the document, with the path template it is under and its method. */
export function* operationsOf(document: OpenAPIObject): Generator<[path: string, operation: OperationObject, method: string]> {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) yield [path, operation, method];
    }
  }
}
