import { getMetadataStorage, validate, validateSync, type ValidationError } from 'class-validator';
import { ValidationFailedError } from './errors';
import { CLAVIS_VALIDATION, IssueSeverity, type ValidationIssue, fieldErrorsOf, issueOf } from './issues';

/** The bounds and formats input types declare with class-validator decorators, as catalogued rules. */
export const INPUT_RULES = {
  TOO_LONG: { severity: IssueSeverity.ERROR, reference: CLAVIS_VALIDATION },
  TOO_SHORT: { severity: IssueSeverity.ERROR, reference: CLAVIS_VALIDATION },
  TOO_MANY_ITEMS: { severity: IssueSeverity.ERROR, reference: CLAVIS_VALIDATION },
  OUT_OF_RANGE: { severity: IssueSeverity.ERROR, reference: CLAVIS_VALIDATION },
  INVALID_VALUE: { severity: IssueSeverity.ERROR, reference: CLAVIS_VALIDATION },
} as const;

type InputRuleCode = keyof typeof INPUT_RULES;

/** class-validator constraint → catalogued code (every other constraint is INVALID_VALUE). */
const CONSTRAINT_CODES: Record<string, InputRuleCode> = {
  maxLength: 'TOO_LONG',
  minLength: 'TOO_SHORT',
  arrayMaxSize: 'TOO_MANY_ITEMS',
  min: 'OUT_OF_RANGE',
  max: 'OUT_OF_RANGE',
};

/** The one flattening of class-validator's error tree: an issue per failed constraint, paths relative to the argument. */
function issuesOf(errors: ValidationError[], prefix: string): ValidationIssue[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) =>
      issueOf(INPUT_RULES, CONSTRAINT_CODES[constraint] ?? 'INVALID_VALUE', path, message),
    );
    return [...own, ...issuesOf(error.children ?? [], path)];
  });
}

const OPTIONS = { forbidUnknownValues: false, skipMissingProperties: false };

/** The decorator bounds of an input object (an instance of its input class), as issues. */
export function inputIssues(input: object, prefix = ''): ValidationIssue[] {
  return issuesOf(validateSync(input, OPTIONS), prefix);
}

/** `value` as an instance of `type`, so its decorators apply (GraphQL hands over instances already). */
export function asInstance<T extends object>(type: new () => T, value: T): T {
  return value instanceof type ? value : Object.assign(new type(), value);
}

/**
 * type-graphql `validateFn`: runs the class-validator decorators of an input class and
 * reports every failure as one BAD_USER_INPUT whose `fields` paths are relative to the
 * argument (`name`, `defaultClient.redirectUris.0`).
 */
export function validateArgument(value: unknown): Promise<void> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is object => item !== null && typeof item === 'object' && hasRules((item as { constructor: object }).constructor),
  );
  // Synchronous when there is nothing to check: connection arguments on every nested list
  // of a large page would otherwise each cost a validation pass and a promise.
  if (items.length === 0) return undefined;
  return (async () => {
    for (const item of items) {
      const errors = await validate(item, OPTIONS);
      if (errors.length > 0) throw new ValidationFailedError(fieldErrorsOf(issuesOf(errors, '')));
    }
  })();
}

const classesWithRules = new WeakMap<object, boolean>();

/** Whether a class carries class-validator decorators (answered once per class). */
function hasRules(type: object): boolean {
  let known = classesWithRules.get(type);
  if (known === undefined) {
    known = type !== Object && getMetadataStorage().getTargetValidationMetadatas(type as new () => unknown, '', true, false).length > 0;
    classesWithRules.set(type, known);
  }
  return known;
}
