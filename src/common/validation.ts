import { validate, type ValidationError } from 'class-validator';
import { ValidationFailedError, type FieldError } from './errors';

function flatten(errors: ValidationError[], prefix: string): FieldError[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * type-graphql `validateFn`: runs the class-validator decorators of an input class and
 * reports every failure as one BAD_USER_INPUT whose `fields` paths are relative to the
 * argument (`name`, `defaultClient.redirectUris.0`).
 */
export async function validateArgument(value: unknown): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (item === null || typeof item !== 'object' || item.constructor === Object) continue;
    const errors = await validate(item as object, { forbidUnknownValues: false, skipMissingProperties: false });
    if (errors.length > 0) throw new ValidationFailedError(flatten(errors, ''));
  }
}
