import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What Clavis knows of one client ID metadata document for one organization: the members it validated (unknown
 * members are dropped) and when, or only the last failure when no fetch has validated yet. One table row per
 * organization and URL, shared by every replica.
 */
@ObjectType({ simpleResolvers: true, description: 'A client ID metadata document (draft-ietf-oauth-client-id-metadata-document) as Clavis last validated it.' })
@Entity({ name: 'client_metadata_documents' })
export class ClientMetadataDocument {
  @PrimaryColumn({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => String, { description: 'The https URL of the document: the client_id it describes.' })
  @PrimaryColumn({ type: 'text' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'client_name; null when the document has none (or none validated yet).' })
  @Column({ type: 'text', name: 'client_name', nullable: true })
  clientName!: string | null;

  @Field(() => [String], { description: 'redirect_uris, each one passing the redirect URI rules; empty when no document validated yet.' })
  @Column({ type: 'text', array: true, name: 'redirect_uris' })
  redirectUris!: string[];

  @Field(() => [String], {
    description: 'grant_types; ["authorization_code"] when the document names none (RFC 7591 §2); empty when no document validated yet.',
  })
  @Column({ type: 'text', array: true, name: 'grant_types' })
  grantTypes!: string[];

  @Field(() => String, {
    nullable: true,
    description:
      'token_endpoint_auth_method: none (the default here), private_key_jwt or tls_client_auth / self_signed_tls_client_auth; never a shared-secret method.',
  })
  @Column({ type: 'text', name: 'token_endpoint_auth_method', nullable: true })
  tokenEndpointAuthMethod!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'jwks: the JWK Set of public keys in the document; null when it has none (or uses jwksUri).' })
  @Column({ type: 'jsonb', nullable: true })
  jwks!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'jwks_uri: where the client publishes its public keys; null when it has none.' })
  @Column({ type: 'text', name: 'jwks_uri', nullable: true })
  jwksUri!: string | null;

  @Field(() => String, { nullable: true, description: 'logo_uri (https); null when absent.' })
  @Column({ type: 'text', name: 'logo_uri', nullable: true })
  logoUri!: string | null;

  @Field(() => String, { nullable: true, description: 'client_uri (https); null when absent.' })
  @Column({ type: 'text', name: 'client_uri', nullable: true })
  clientUri!: string | null;

  @Field(() => String, { nullable: true, description: 'policy_uri (https); null when absent.' })
  @Column({ type: 'text', name: 'policy_uri', nullable: true })
  policyUri!: string | null;

  @Field(() => String, { nullable: true, description: 'tos_uri (https); null when absent.' })
  @Column({ type: 'text', name: 'tos_uri', nullable: true })
  tosUri!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the document shown was fetched and validated; null when no fetch has validated yet.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'fetched_at', nullable: true })
  fetchedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "Until when the document is used without fetching it again: its HTTP cache lifetime clamped to the organization's policy bounds.",
  })
  @Column({ type: 'timestamptz', precision: 3, name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last fetch failed (fetch or validation), if it did; null after a fetch that validated.' })
  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The reason code of lastError (e.g. CLIENT_ID_MISMATCH, TOO_LARGE, TIMEOUT), as in the error's extensions.reason; null without one.",
  })
  @Column({ type: 'text', name: 'last_error_code', nullable: true })
  lastErrorCode!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the last failure happened; null without one.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'last_error_at', nullable: true })
  lastErrorAt!: Date | null;
}

/** The bounds and switch an organization has before it sets its own. */
export const DEFAULT_DOCUMENT_POLICY = { enabled: true, trustedHostPatterns: [] as string[], minCacheSeconds: 300, maxCacheSeconds: 86_400 };

@ObjectType({ simpleResolvers: true, description: "The organization's rules for resolving client ID metadata documents." })
@Entity({ name: 'client_metadata_document_policies' })
export class ClientMetadataDocumentPolicy {
  @PrimaryColumn({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => Boolean, {
    description: 'Whether documents are resolved at all; when false, resolve and refresh are refused (FORBIDDEN, reason POLICY_DISABLED). Default true.',
  })
  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Field(() => [String], {
    description:
      'Host names a document URL must match, exactly ("clients.example.com") or as a subdomain ("*.example.com"); ' +
      'empty (the default) trusts every host the fetcher may reach.',
  })
  @Column({ type: 'text', array: true, name: 'trusted_host_patterns' })
  trustedHostPatterns!: string[];

  @Field(() => Int, { description: 'Shortest time, in seconds, a validated document is cached, whatever its Cache-Control says. Default 300.' })
  @Column({ type: 'integer', name: 'min_cache_seconds' })
  minCacheSeconds!: number;

  @Field(() => Int, { description: 'Longest time, in seconds, a validated document is cached. Default 86400 (a day).' })
  @Column({ type: 'integer', name: 'max_cache_seconds' })
  maxCacheSeconds!: number;

  @Field(() => Date, { nullable: true, description: 'When the policy was last changed; null while the defaults apply.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at' })
  updatedAt!: Date | null;
}
