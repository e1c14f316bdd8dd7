import { ValidationFailedError } from '../common/errors';
import type { ValidationIssue } from '../common/issues';
import { asInstance, inputIssues } from '../common/validation';
import type { ClientType, ClientUriVerification } from './client.entity';
import { ClientSettingsInput, CreateClientInput, UpdateClientInput } from './client.inputs';
import { type ClientSettings, clientSettingsIssues, newClientSettings, publicationIssues } from './client.rules';

/** What is validated, and for which operation. */
export type ClientSettingsValidation =
  /** createClient: `settings` are newClientSettings(input, input.name). */
  | { mode: 'create'; input: CreateClientInput; settings: ClientSettings }
  /** updateClient: the settings after the change, and the URI verification they would keep or start. */
  | { mode: 'update'; input: UpdateClientInput; settings: ClientSettings; verification: ClientUriVerification | null; uriChanged: boolean }
  /** The dry run validateClientSettings: the settings createClient would derive from `input`. */
  | { mode: 'dry-run'; input: ClientSettingsInput; clientType?: ClientType | null }
  /**
   * createApplication's default client, whose input bounds are checked with the application's
   * argument. Paths are under `defaultClient.`, but a URI list the client inherited from the
   * application (`inherited`) is reported where the caller wrote it, under `protocols.oauth2.`.
   */
  | { mode: 'default-client'; settings: ClientSettings; inherited: ReadonlySet<string> };

/** Name a dry run assumes when the input has none (createClient requires one). */
const DRY_RUN_NAME = 'Client';

/**
 * The one validation of a client's settings, for createClient, updateClient, the dry run
 * validateClientSettings and createApplication's default client: the bounds the input type
 * declares (class-validator decorators), every settings rule, and publication (PUBLIC needs
 * a verified client URI). The mutations refuse the ERROR issues (BAD_USER_INPUT, through
 * fieldErrorsOf); the dry run returns them all. Being one function, they cannot disagree.
 *
 * (createClient, updateClient and validateClientSettings therefore opt out of type-graphql's
 * argument validation, which would stop at the decorator bounds and hide the rule problems.)
 */
export function validateClientSettings(check: ClientSettingsValidation): ValidationIssue[] {
  switch (check.mode) {
    case 'create':
      return [...inputIssues(asInstance(CreateClientInput, check.input)), ...clientSettingsIssues(check.settings), ...publicationIssues(check.settings, null)];
    case 'update': {
      const { settings, verification, uriChanged } = check;
      const bounds = inputIssues(asInstance(UpdateClientInput, check.input));
      return [...bounds, ...clientSettingsIssues(settings), ...publicationIssues(settings, verification, '', uriChanged)];
    }
    case 'dry-run': {
      const { input, clientType } = check;
      if (clientType && input.clientType && clientType !== input.clientType) {
        throw new ValidationFailedError([{ path: 'clientType', message: `conflicts with input.clientType (${input.clientType}); give one of the two` }]);
      }
      const effective = asInstance(ClientSettingsInput, { ...input, clientType: input.clientType ?? clientType ?? undefined });
      const settings = newClientSettings(effective, effective.name ?? DRY_RUN_NAME);
      return [...inputIssues(effective), ...clientSettingsIssues(settings), ...publicationIssues(settings, null)];
    }
    case 'default-client': {
      const prefix = 'defaultClient.';
      const relocated = clientSettingsIssues(check.settings, prefix).map((issue) => {
        const [, field, index] = issue.path.split('.');
        return check.inherited.has(field) && index !== undefined ? { ...issue, path: `protocols.oauth2.${field}.${index}` } : issue;
      });
      return [...relocated, ...publicationIssues(check.settings, null, prefix)];
    }
  }
}
