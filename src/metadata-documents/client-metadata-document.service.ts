import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { ClientMetadataDocumentError, type FieldError, NotFoundError, PolicyRefusedError, throwIfInvalid } from '../common/errors';
import { type CredentialRow, CredentialType } from '../credentials/credential.entity';
import { findCredential } from '../credentials/credential.repository';
import { runTransaction } from '../db/transactions';
import { SafeFetchError, type SafeFetcher } from '../net/safe-fetcher';
import { type ClientMetadataDocument, ClientMetadataDocumentPolicy, DEFAULT_DOCUMENT_POLICY } from './client-metadata-document.entity';
import type { UpdateClientMetadataDocumentPolicyInput } from './client-metadata-document.inputs';
import {
  findDocument,
  findDocumentPolicy,
  lockDocumentPolicy,
  recordDocumentFailure,
  saveDocument,
  saveDocumentPolicy,
} from './client-metadata-document.repository';
import { type DocumentRejection, checkDocument, clientIdUrlIssue, hostMatches, hostPatternIssue, isJsonMediaType } from './client-metadata-document.rules';

/** Who asked for a document: a URL the caller named, or one of its URL credentials. */
interface Subject {
  url: string;
  credentialId?: string;
}

/**
 * Resolves client ID metadata documents for an organization: policy first (enabled, trusted hosts), then the
 * PostgreSQL cache (shared by every replica), then a fetch through the SafeFetcher and the draft's validation.
 * Failures are never cached; validation failures are audited.
 */
export class ClientMetadataDocumentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly fetcher: SafeFetcher,
    private readonly audit: AuditLog,
  ) {}

  async policy(caller: Caller): Promise<ClientMetadataDocumentPolicy> {
    return (await findDocumentPolicy(this.dataSource, caller.organizationId)) ?? defaultPolicy(caller.organizationId);
  }

  async updatePolicy(caller: Caller, input: UpdateClientMetadataDocumentPolicyInput): Promise<ClientMetadataDocumentPolicy> {
    return runTransaction(this.dataSource, async (manager) => {
      const current = (await lockDocumentPolicy(manager, caller.organizationId)) ?? defaultPolicy(caller.organizationId);
      const next = Object.assign(new ClientMetadataDocumentPolicy(), current, {
        enabled: input.enabled ?? current.enabled,
        trustedHostPatterns: input.trustedHostPatterns ? [...new Set(input.trustedHostPatterns)] : current.trustedHostPatterns,
        minCacheSeconds: input.minCacheSeconds ?? current.minCacheSeconds,
        maxCacheSeconds: input.maxCacheSeconds ?? current.maxCacheSeconds,
        updatedAt: new Date(),
      });
      const problems: FieldError[] = [];
      (input.trustedHostPatterns ?? []).forEach((pattern, i) => {
        const problem = hostPatternIssue(pattern);
        if (problem) problems.push({ path: `trustedHostPatterns.${i}`, message: problem });
      });
      if (next.minCacheSeconds > next.maxCacheSeconds) {
        const path = input.minCacheSeconds !== undefined ? 'minCacheSeconds' : 'maxCacheSeconds';
        problems.push({ path, message: `minCacheSeconds (${next.minCacheSeconds}) must not exceed maxCacheSeconds (${next.maxCacheSeconds})` });
      }
      throwIfInvalid(problems);
      await saveDocumentPolicy(manager, next);
      await this.audit.record(manager, caller, {
        action: 'client_metadata_document_policy.update',
        targetId: caller.organizationId,
        targetType: 'ClientMetadataDocumentPolicy',
        changedFields: Object.keys(input)
          .filter((key) => input[key as keyof typeof input] !== undefined)
          .sort(),
      });
      return next;
    });
  }

  /**
   * The validated document at `url`, from the cache while it is fresh, else fetched now. Refused by the policy
   * (FORBIDDEN), CLIENT_METADATA_UNREACHABLE or CLIENT_METADATA_INVALID otherwise.
   */
  async resolve(caller: Caller, url: string): Promise<ClientMetadataDocument> {
    const problem = clientIdUrlIssue(url);
    throwIfInvalid(problem ? [{ path: 'url', message: problem }] : []);
    const policy = await this.admitted(caller, url);
    const cached = await findDocument(this.dataSource, caller.organizationId, url);
    if (cached?.fetchedAt && cached.expiresAt && cached.expiresAt.getTime() > Date.now()) return cached;
    return this.fetchAndStore(caller, { url }, policy);
  }

  /** Fetches the document of one of the caller's URL credentials again, whatever the cache holds. */
  async refresh(caller: Caller, credentialId: string): Promise<{ credential: CredentialRow; document: ClientMetadataDocument }> {
    const credential = await findCredential(this.dataSource.manager, caller, credentialId);
    // Another organization's credential, or one of another type, reads exactly like a missing one.
    if (!credential || credential.type !== CredentialType.URL || !credential.url) throw new NotFoundError('UrlCredential', credentialId);
    const subject = { url: credential.url, credentialId: credential.id };
    const problem = clientIdUrlIssue(credential.url);
    if (problem) await this.reject(caller, subject, 'INVALID_CLIENT_ID_URL', [{ path: 'client_id', message: `the credential's URL ${problem}` }]);
    const policy = await this.admitted(caller, credential.url);
    return { credential, document: await this.fetchAndStore(caller, subject, policy) };
  }

  private async admitted(caller: Caller, url: string): Promise<ClientMetadataDocumentPolicy> {
    const policy = await this.policy(caller);
    if (!policy.enabled) throw new PolicyRefusedError('POLICY_DISABLED', 'Client ID metadata documents are disabled by the organization’s policy.');
    const host = new URL(url).hostname;
    if (policy.trustedHostPatterns.length > 0 && !hostMatches(host, policy.trustedHostPatterns)) {
      throw new PolicyRefusedError('UNTRUSTED_HOST', `${host} matches none of the organization’s trusted host patterns.`);
    }
    return policy;
  }

  private async fetchAndStore(caller: Caller, subject: Subject, policy: ClientMetadataDocumentPolicy): Promise<ClientMetadataDocument> {
    const { url } = subject;
    let fetched;
    try {
      fetched = await this.fetcher.fetch(url, { minSeconds: policy.minCacheSeconds, maxSeconds: policy.maxCacheSeconds });
    } catch (error) {
      if (!(error instanceof SafeFetchError)) throw error;
      await recordDocumentFailure(this.dataSource, caller.organizationId, url, error.code, error.message, new Date(), false);
      throw new ClientMetadataDocumentError('CLIENT_METADATA_UNREACHABLE', error.code, `The client metadata document could not be fetched: ${error.message}`, {
        status: error.status,
      });
    }
    if (!isJsonMediaType(fetched.contentType)) {
      return this.reject(caller, subject, 'NOT_JSON', [
        { path: '', message: `must be served as application/json (or application/…+json), not ${fetched.contentType ?? 'without a content type'}` },
      ]);
    }
    const check = checkDocument(fetched.body, url);
    if (!check.ok) return this.reject(caller, subject, check.reason, check.fields);
    const expiresAt = new Date(fetched.fetchedAt.getTime() + fetched.maxAgeSeconds * 1000);
    return saveDocument(this.dataSource, caller.organizationId, url, check.document, fetched.fetchedAt, expiresAt);
  }

  /** Records and audits a document that broke a rule, then refuses it. */
  private async reject(caller: Caller, subject: Subject, reason: DocumentRejection, fields: FieldError[]): Promise<never> {
    const summary = fields.map((field) => (field.path ? `${field.path}: ${field.message}` : field.message)).join('; ');
    const message = `The client metadata document at ${subject.url} is invalid: ${summary}`;
    await runTransaction(this.dataSource, async (manager) => {
      await recordDocumentFailure(manager, caller.organizationId, subject.url, reason, message.slice(0, 2000), new Date(), true);
      await this.audit.record(manager, caller, {
        action: 'client_metadata_document.reject',
        targetId: subject.credentialId ?? subject.url,
        targetType: subject.credentialId ? 'UrlCredential' : 'ClientMetadataDocument',
        // The offending members (never their values).
        changedFields: [...new Set(fields.map((field) => field.path.split('.')[0] || '(document)'))].sort(),
      });
    });
    throw new ClientMetadataDocumentError('CLIENT_METADATA_INVALID', reason, message, { fields });
  }
}

function defaultPolicy(organizationId: string): ClientMetadataDocumentPolicy {
  return Object.assign(new ClientMetadataDocumentPolicy(), { organizationId, ...DEFAULT_DOCUMENT_POLICY, trustedHostPatterns: [], updatedAt: null });
}
