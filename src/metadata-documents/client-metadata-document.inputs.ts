import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { UrlCredential } from '../credentials/credential.entity';
import { ClientMetadataDocument, ClientMetadataDocumentPolicy } from './client-metadata-document.entity';

/** Bounds of the policy input (a week is the longest cache lifetime an organization may set). */
export const POLICY_BOUNDS = { patterns: 50, pattern: 253, maxCacheSeconds: 604_800 } as const;

@InputType({ description: 'The URL credential whose document is fetched again.' })
export class RefreshClientMetadataDocumentInput {
  @Field(() => ID, { description: 'Id of a URL credential (`cred_…`) of the caller’s organization.' })
  @MaxLength(128)
  credentialId!: string;
}

@ObjectType({ description: 'The result of refreshClientMetadataDocument.' })
export class RefreshClientMetadataDocumentPayload {
  @Field(() => UrlCredential, { description: 'The URL credential whose document was fetched.' }) credential!: UrlCredential;
  @Field(() => ClientMetadataDocument, { description: 'The document as just fetched and validated.' }) document!: ClientMetadataDocument;
}

@InputType({ description: 'Changes to the organization’s client metadata document policy; omitted fields keep their value.' })
export class UpdateClientMetadataDocumentPolicyInput {
  @Field(() => Boolean, { nullable: true, description: 'Whether documents are resolved at all.' })
  @IsOptional()
  enabled?: boolean;

  @Field(() => [String], {
    nullable: true,
    description: `Trusted host patterns ("clients.example.com", "*.example.com"), at most ${POLICY_BOUNDS.patterns}; an empty list trusts every host.`,
  })
  @IsOptional()
  @ArrayMaxSize(POLICY_BOUNDS.patterns)
  @MaxLength(POLICY_BOUNDS.pattern, { each: true })
  trustedHostPatterns?: string[];

  @Field(() => Int, { nullable: true, description: `Shortest cache lifetime in seconds, 0 to ${POLICY_BOUNDS.maxCacheSeconds}; at most maxCacheSeconds.` })
  @IsOptional()
  @Min(0)
  @Max(POLICY_BOUNDS.maxCacheSeconds)
  minCacheSeconds?: number;

  @Field(() => Int, { nullable: true, description: `Longest cache lifetime in seconds, 0 to ${POLICY_BOUNDS.maxCacheSeconds}.` })
  @IsOptional()
  @Min(0)
  @Max(POLICY_BOUNDS.maxCacheSeconds)
  maxCacheSeconds?: number;
}

@ObjectType({ description: 'The result of updateClientMetadataDocumentPolicy.' })
export class UpdateClientMetadataDocumentPolicyPayload {
  @Field(() => ClientMetadataDocumentPolicy, { description: 'The policy after the change.' }) policy!: ClientMetadataDocumentPolicy;
}
