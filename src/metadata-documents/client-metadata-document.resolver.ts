import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { callerOf } from '../auth/guard';
import { type CredentialRow, UrlCredential } from '../credentials/credential.entity';
import type { RequestContext } from '../graphql/context';
import { ClientMetadataDocument, ClientMetadataDocumentPolicy } from './client-metadata-document.entity';
import {
  RefreshClientMetadataDocumentInput,
  RefreshClientMetadataDocumentPayload,
  UpdateClientMetadataDocumentPolicyInput,
  UpdateClientMetadataDocumentPolicyPayload,
} from './client-metadata-document.inputs';
import type { ClientMetadataDocumentService } from './client-metadata-document.service';

@Resolver()
export class ClientMetadataDocumentResolver {
  constructor(private readonly documents: ClientMetadataDocumentService) {}

  @Authorized('credentials:read')
  @Query(() => ClientMetadataDocument, {
    description:
      'The validated client ID metadata document at `url` (a client_id), for an authorization server at request time: from the shared cache while ' +
      'fresh, else fetched and validated now. CLIENT_METADATA_INVALID / CLIENT_METADATA_UNREACHABLE (with extensions.reason) when it cannot be used; ' +
      "FORBIDDEN (reason POLICY_DISABLED or UNTRUSTED_HOST) when the organization's policy refuses it. Needs credentials:read.",
  })
  resolveClientMetadataDocument(
    @Arg('url', () => String, { description: 'The client_id: an https URL with a path, at most 2048 characters.' }) url: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ClientMetadataDocument> {
    return this.documents.resolve(callerOf(ctx), url);
  }

  @Authorized('credentials:read')
  @Query(() => ClientMetadataDocumentPolicy, {
    description: "The organization's client metadata document policy (defaults until changed). Needs credentials:read.",
  })
  clientMetadataDocumentPolicy(@Ctx() ctx: RequestContext): Promise<ClientMetadataDocumentPolicy> {
    return this.documents.policy(callerOf(ctx));
  }

  @Authorized('credentials:write')
  @Mutation(() => RefreshClientMetadataDocumentPayload, {
    description:
      "Fetches a URL credential's client metadata document again, ignoring the cache; errors as resolveClientMetadataDocument. Needs credentials:write.",
  })
  refreshClientMetadataDocument(
    @Arg('input', () => RefreshClientMetadataDocumentInput, { description: 'The URL credential.' }) input: RefreshClientMetadataDocumentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RefreshClientMetadataDocumentPayload> {
    return this.documents.refresh(callerOf(ctx), input.credentialId) as Promise<RefreshClientMetadataDocumentPayload>;
  }

  @Authorized('credentials:write')
  @Mutation(() => UpdateClientMetadataDocumentPolicyPayload, {
    description: "Changes the organization's client metadata document policy. Needs credentials:write.",
  })
  async updateClientMetadataDocumentPolicy(
    @Arg('input', () => UpdateClientMetadataDocumentPolicyInput, { description: 'The changes.' }) input: UpdateClientMetadataDocumentPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateClientMetadataDocumentPolicyPayload> {
    return { policy: await this.documents.updatePolicy(callerOf(ctx), input) };
  }
}

@Resolver(() => UrlCredential)
export class UrlCredentialDocumentResolver {
  @Authorized('credentials:read')
  @FieldResolver(() => ClientMetadataDocument, {
    nullable: true,
    description:
      'What Clavis last validated (or failed to) of the document at `url`, from the shared cache; null when it was never resolved. Reading it never fetches. ' +
      'Needs credentials:read.',
  })
  document(@Root() credential: CredentialRow, @Ctx() ctx: RequestContext): Promise<ClientMetadataDocument | null> {
    return ctx.loaders.metadataDocuments.byUrl.load(credential.url!);
  }
}
