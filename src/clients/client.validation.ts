import { type ValidationError, validateSync } from 'class-validator';
import { ValidationFailedError } from '../common/errors';
import type { ClientType, ClientUriVerification } from './client.entity';
import { ClientSettingsInput } from './client.inputs';
import { type ClientRuleCode, type ClientSettings, type ClientSettingsIssue, clientSettingsIssues, newClientSettings, publicationIssues, ruleIssue } from './client.rules';

/**
 * One validation for createClient, updateClient and the dry run validateClientSettings:
 * the bounds the input type declares (class-validator decorators) plus every client rule.
 * createClient / updateClient turn the ERROR issues into BAD_USER_INPUT; the dry run
 * returns all of them. Both call the functions below, so they cannot disagree.
 *
 * (createClient and updateClient therefore opt out of type-graphql's argument validation,
 * which would stop at the decorator bounds and hide the rule problems.)
 */

/** class-validator constraint → catalogued code. */
const FORMAT_CODES: Record<string, ClientRuleCode> = {
  maxLength: 'TOO_LONG',
  minLength: 'TOO_SHORT',
  arrayMaxSize: 'TOO_MANY_ITEMS',
  min: 'OUT_OF_RANGE',
  max: 'OUT_OF_RANGE',
};

function flatten(errors: ValidationError[], prefix: string): ClientSettingsIssue[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ruleIssue(FORMAT_CODES[constraint] ?? 'INVALID_VALUE', path, message));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** The decorator bounds of an input object (an instance of its input class), as issues. */
export function inputFormatIssues(input: object, prefix = ''): ClientSettingsIssue[] {
  return flatten(validateSync(input, { forbidUnknownValues: false, skipMissingProperties: false }), prefix);
}

/** `value` as an instance of `type`, so its decorators apply (GraphQL hands over instances already). */
export function asInstance<T extends object>(type: new () => T, value: T): T {
  return value instanceof type ? value : Object.assign(new type(), value);
}

/** Everything wrong with a new client: input bounds, the rules of its settings, publication. */
export function newClientIssues(input: ClientSettingsInput, settings: ClientSettings): ClientSettingsIssue[] {
  return [...inputFormatIssues(input), ...clientSettingsIssues(settings), ...publicationIssues(settings, null)];
}

/** Everything wrong with a client after a change; `input` is the update input (for its bounds). */
export function changedClientIssues(formatIssues: ClientSettingsIssue[], settings: ClientSettings, verification: ClientUriVerification | null, uriChanged: boolean): ClientSettingsIssue[] {
  return [...formatIssues, ...clientSettingsIssues(settings), ...publicationIssues(settings, verification, '', uriChanged)];
}

/** Name a dry run assumes when the input has none (createClient requires one). */
const DRY_RUN_NAME = 'Client';

/**
 * validateClientSettings: the settings a createClient with this input would get (same
 * defaults) and every issue of them. Reads and writes nothing.
 */
export function dryRunClientSettings(input: ClientSettingsInput, clientType?: ClientType | null): ClientSettingsIssue[] {
  if (clientType && input.clientType && clientType !== input.clientType) {
    throw new ValidationFailedError([{ path: 'clientType', message: `conflicts with input.clientType (${input.clientType}); give one of the two` }]);
  }
  const effective = asInstance(ClientSettingsInput, { ...input, clientType: input.clientType ?? clientType ?? undefined });
  return newClientIssues(effective, newClientSettings(effective, effective.name ?? DRY_RUN_NAME));
}
