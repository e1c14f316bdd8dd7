import type { DataSource, EntityManager } from 'typeorm';
import { lockApplication, lockOwnedRow } from '../applications/application.lock';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { bumped, checkExpectedVersion, foundOr, replayByIds } from '../common/crud';
import { runTransaction, transactionWithConflicts } from '../db/transactions';
import type { IdempotencyStore } from '../common/idempotency';
import { type FieldError, ValidationFailedError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { slugify } from '../common/naming';
import type { Page, PageArgs } from '../common/pagination';
import { type SecretHasher, SECRET_PREFIXES, generateClientId, generateSecret } from '../common/secrets';
import { messageOf } from '../common/issues';
import { httpsUrlIssue } from '../common/uris';
import { lockProviderShared } from '../providers/provider.repository';
import { CREDENTIAL_TYPE_NAMES, type CredentialRow, CredentialType } from './credential.entity';
import {
  CREDENTIAL_INPUT_KINDS,
  type CreateCredentialInput,
  type CredentialFilter,
  type DeleteCredentialInput,
  type RotateCredentialSecretInput,
  type UpdateCredentialInput,
} from './credential.inputs';
import {
  applicationIdOfCredential,
  deleteCredential,
  findCredential,
  freeCredentialSlug,
  insertCredential,
  listCredentials,
  lockCredentialRow,
  updateCredential,
} from './credential.repository';
import { jwksProblems } from './jwks';

const CONFLICTS = {
  credentials_slug_key: 'Another credential of this application already has this slug.',
  credentials_identifier_key: 'This application already has a credential of this type with this identifier.',
  credentials_client_identifier_key: 'Another credential in this zone already uses this client id.',
};

/** The type-specific columns of a credential, all null but those its type uses. */
type TypeColumns = Pick<CredentialRow, 'identifier' | 'providerId' | 'subject' | 'passwordHash' | 'jwksUri' | 'jwks' | 'url'>;
const NO_COLUMNS: TypeColumns = { identifier: '', providerId: null, subject: null, passwordHash: null, jwksUri: null, jwks: null, url: null };

function publicKeyProblems(value: { jwksUri?: string | null; jwks?: Record<string, unknown> | null }, path: string): FieldError[] {
  const hasUri = value.jwksUri != null;
  const hasSet = value.jwks != null;
  if (hasUri === hasSet) return [{ path, message: 'needs exactly one of jwksUri and jwks' }];
  if (hasUri) {
    const problem = messageOf(httpsUrlIssue(value.jwksUri!));
    return problem ? [{ path: `${path}.jwksUri`, message: problem }] : [];
  }
  return jwksProblems(value.jwks, `${path}.jwks`);
}

export interface IssuedCredential {
  credential: CredentialRow;
  /** The generated password, for the one response that may show it. */
  secret: string | null;
}

export class CredentialService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly idempotency: IdempotencyStore,
    private readonly audit: AuditLog,
  ) {}

  async create(caller: Caller, input: CreateCredentialInput): Promise<IssuedCredential> {
    const given = CREDENTIAL_INPUT_KINDS.filter((kind) => input[kind.field] != null);
    if (given.length !== 1) {
      const fields = CREDENTIAL_INPUT_KINDS.map((kind) => kind.field).join(', ');
      throw new ValidationFailedError(
        given.length === 0
          ? CREDENTIAL_INPUT_KINDS.map((kind) => ({ path: kind.field, message: `exactly one of ${fields} is required` }))
          : given.map((kind) => ({ path: kind.field, message: `exactly one of ${fields} may be given` })),
      );
    }
    const type = given[0].type;
    let secret: string | null = null;
    const columns: TypeColumns = { ...NO_COLUMNS };
    if (input.password) {
      secret = generateSecret(SECRET_PREFIXES.credentialPassword);
      Object.assign(columns, { identifier: input.password.identifier ?? generateClientId(), passwordHash: this.hasher.hash(secret) });
    } else if (input.publicKey) {
      throwIfInvalid(publicKeyProblems(input.publicKey, 'publicKey'));
      Object.assign(columns, {
        identifier: input.publicKey.identifier ?? generateClientId(),
        jwksUri: input.publicKey.jwksUri ?? null,
        jwks: input.publicKey.jwks ?? null,
      });
    } else if (input.url) {
      const problem = messageOf(httpsUrlIssue(input.url.url));
      throwIfInvalid(problem ? [{ path: 'url.url', message: problem }] : []);
      Object.assign(columns, { identifier: input.url.url, url: input.url.url });
    } else if (input.public) {
      columns.identifier = input.public.identifier ?? generateClientId();
    } else if (input.token) {
      Object.assign(columns, { identifier: input.token.subject ?? '*', providerId: input.token.providerId, subject: input.token.subject ?? null });
    }

    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const application = await lockApplication(manager, caller, input.applicationId);
      return this.idempotency.run(manager, caller, {
        operation: 'createCredential',
        input,
        execute: async () => {
          if (columns.providerId) await this.lockTrustedProvider(manager, caller, columns.providerId, application.zoneId);
          const base = slugify(columns.identifier === '*' ? 'any-subject' : columns.identifier);
          const now = new Date();
          const credential = await insertCredential(manager, {
            ...columns,
            id: newId('credential'),
            type,
            organizationId: application.organizationId,
            zoneId: application.zoneId,
            applicationId: application.id,
            slug: input.slug ?? (await freeCredentialSlug(manager, application.id, base)),
            secretRotatedAt: null,
            version: 1,
            createdAt: now,
            updatedAt: now,
          });
          await this.audit.record(manager, caller, {
            action: 'credential.create',
            targetId: credential.id,
            targetType: CREDENTIAL_TYPE_NAMES[type],
            changedFields: changedFieldsOf(input),
          });
          return { credential, secret };
        },
        ...replayByIds(
          (issued) => ({ credentialId: issued.credential.id }),
          async ({ credentialId }) => ({ credential: foundOr(await findCredential(manager, caller, credentialId), 'Credential', credentialId), secret: null }),
        ),
      });
    });
  }

  async update(caller: Caller, input: UpdateCredentialInput): Promise<CredentialRow> {
    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const credential = await this.lockForChange(manager, caller, input.id);
      checkExpectedVersion('Credential', credential, input.expectedVersion);
      const mismatched = (['token', 'publicKey', 'url'] as const).filter(
        (field) => input[field] != null && CREDENTIAL_INPUT_KINDS.find((kind) => kind.field === field)!.type !== credential.type,
      );
      throwIfInvalid(mismatched.map((field) => ({ path: field, message: `does not match the credential's type ${credential.type}` })));

      const changes: Partial<CredentialRow> = {};
      if (input.slug != null) changes.slug = input.slug;
      if (input.token && input.token.subject !== undefined) {
        Object.assign(changes, { subject: input.token.subject, identifier: input.token.subject ?? '*' });
      }
      const publicKey = input.publicKey;
      if (publicKey && (publicKey.jwksUri !== undefined || publicKey.jwks !== undefined)) {
        // A source given replaces the stored one, and setting one clears the other unless
        // both are given (which the exactly-one rule then rejects).
        const next = {
          jwksUri: publicKey.jwksUri !== undefined ? publicKey.jwksUri : publicKey.jwks != null ? null : credential.jwksUri,
          jwks: publicKey.jwks !== undefined ? publicKey.jwks : publicKey.jwksUri != null ? null : credential.jwks,
        };
        throwIfInvalid(publicKeyProblems(next, 'publicKey'));
        Object.assign(changes, next);
      }
      if (input.url?.url != null) {
        const problem = messageOf(httpsUrlIssue(input.url.url));
        throwIfInvalid(problem ? [{ path: 'url.url', message: problem }] : []);
        Object.assign(changes, { url: input.url.url, identifier: input.url.url });
      }
      await updateCredential(manager, credential.id, bumped(credential, changes));
      await this.audit.record(manager, caller, {
        action: 'credential.update',
        targetId: credential.id,
        targetType: CREDENTIAL_TYPE_NAMES[credential.type],
        changedFields: changedFieldsOf(input),
      });
      return Object.assign(credential, changes);
    });
  }

  async delete(caller: Caller, input: DeleteCredentialInput): Promise<string> {
    return runTransaction(this.dataSource, async (manager) => {
      const credential = await this.lockForChange(manager, caller, input.id);
      await deleteCredential(manager, credential.id);
      await this.audit.record(manager, caller, { action: 'credential.delete', targetId: credential.id, targetType: CREDENTIAL_TYPE_NAMES[credential.type] });
      return credential.id;
    });
  }

  /** A new password for a PASSWORD credential; the old one stops working at once. */
  async rotateSecret(caller: Caller, input: RotateCredentialSecretInput): Promise<{ credential: CredentialRow; secret: string }> {
    return runTransaction(this.dataSource, async (manager) => {
      const credential = await this.lockForChange(manager, caller, input.id);
      if (credential.type !== CredentialType.PASSWORD) {
        throw new ValidationFailedError([{ path: 'id', message: `only PASSWORD credentials have a secret; this one is ${credential.type}` }]);
      }
      const secret = generateSecret(SECRET_PREFIXES.credentialPassword);
      const now = new Date();
      const changes = bumped(credential, { passwordHash: this.hasher.hash(secret), secretRotatedAt: now }, now);
      await updateCredential(manager, credential.id, changes);
      await this.audit.record(manager, caller, {
        action: 'credential.rotate_secret',
        targetId: credential.id,
        targetType: 'PasswordCredential',
        changedFields: ['secret'],
      });
      return { credential: Object.assign(credential, changes), secret };
    });
  }

  /** The caller's organization's credentials, oldest first. */
  list(caller: Caller, filter: CredentialFilter | undefined, page: PageArgs): Promise<Page<CredentialRow>> {
    return listCredentials(this.dataSource, caller, filter, page);
  }

  /**
   * A token credential may only trust a provider of the caller's organization, in the
   * application's zone. The share lock keeps deleteProvider from removing it before the
   * credential commits (deleteProvider then sees the credential and refuses).
   */
  private async lockTrustedProvider(manager: EntityManager, caller: Caller, providerId: string, zoneId: string): Promise<void> {
    const provider = foundOr(await lockProviderShared(manager, caller, providerId), 'Provider', providerId);
    if (provider.zoneId !== zoneId) {
      throw new ValidationFailedError([{ path: 'token.providerId', message: `must be a provider of the application's zone "${zoneId}"` }]);
    }
  }

  private async lockForChange(manager: EntityManager, caller: Caller, id: string): Promise<CredentialRow> {
    return lockOwnedRow(manager, caller, { type: 'Credential', applicationIdOf: applicationIdOfCredential, lockRow: lockCredentialRow }, id);
  }
}
