import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
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
export function validateArgument(value: unknown): Promise<void> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const items = (Array.isArray(value) ? value : [value]).filter((item): item is object => item !== null && typeof item === 'object' && hasRules(item.constructor));
  // Synchronous when there is nothing to check: connection arguments on every nested list
  // of a large page would otherwise each cost a validation pass and a promise.
  if (items.length === 0) return undefined;
  return (async () => {
    for (const item of items) {
      const errors = await validate(item, { forbidUnknownValues: false, skipMissingProperties: false });
      if (errors.length > 0) throw new ValidationFailedError(flatten(errors, ''));
    }
  })();
}

const classesWithRules = new WeakMap<Function, boolean>();

/** Whether a class carries class-validator decorators (answered once per class). */
function hasRules(type: Function): boolean {
  let known = classesWithRules.get(type);
  if (known === undefined) {
    known = type !== Object && getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
    classesWithRules.set(type, known);
  }
  return known;
}
