import { IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Client } from '../clients/client.entity';
import { ClientSettingsInput } from '../clients/client.inputs';
import { EntityMetadataInput } from '../common/metadata';
import { DescriptionBound, IdempotencyKeyBound, INPUT_BOUNDS, IsIdentifier, IsSlug, NameBound, UriListBound } from '../common/input-bounds';
import { OwnerType } from '../common/node';
import { Application } from './application.entity';

@InputType({ description: "The application's OAuth 2.0 settings; the default client takes any list its own settings omit." })
export class OAuth2ApplicationProtocolInput {
  @Field(() => [String], {
    nullable: true,
    description:
      'Redirect URIs: absolute, no fragment, no wildcard (RFC 6749 §3.1.2, RFC 9700 §2.1); https, or http on a loopback address (RFC 8252 §7.3), ' +
      'or a reverse-domain private-use scheme (RFC 8252 §7.1). At most 100, each at most 2048 characters; duplicates are dropped.',
  })
  @IsOptional()
  @UriListBound()
  redirectUris?: string[];

  @Field(() => [String], {
    nullable: true,
    description: 'Where users may be sent after logout; the same rules and bounds as `redirectUris`.',
  })
  @IsOptional()
  @UriListBound()
  postLogoutRedirectUris?: string[];
}

@InputType({ description: 'Protocol settings of an application; replaces the stored ones as a whole (null clears them).' })
export class ApplicationProtocolsInput {
  @Field(() => OAuth2ApplicationProtocolInput, { nullable: true, description: 'OAuth 2.0 settings; omitted or null leaves the application without them.' })
  @IsOptional()
  @ValidateNested()
  oauth2?: OAuth2ApplicationProtocolInput | null;
}

/** Fields create and update share; on update every one is optional. */
@InputType()
abstract class ApplicationFieldsInput {
  @Field(() => String, {
    nullable: true,
    description:
      'URL-safe, unique within the zone: lowercase letters, digits and single hyphens, at most 64 characters. Derived from the name on create when omitted.',
  })
  @IsOptional()
  @IsSlug()
  slug?: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 2000 characters (tab and line breaks allowed); null clears it.' })
  @IsOptional()
  @DescriptionBound()
  description?: string | null;

  @Field(() => EntityMetadataInput, { nullable: true, description: 'Descriptive links; replaces the stored metadata, null clears it.' })
  @IsOptional()
  @ValidateNested()
  metadata?: EntityMetadataInput | null;

  @Field(() => ApplicationProtocolsInput, {
    nullable: true,
    description:
      'Protocol settings. On create the default client takes its redirect URIs from them unless it names its own; ' +
      'on update they replace the stored ones (null clears them) and clients keep their URIs.',
  })
  @IsOptional()
  @ValidateNested()
  protocols?: ApplicationProtocolsInput | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Resource identifiers the application needs: absolute URIs without fragment (RFC 8707 §2), at most 100 of at most 2048 characters; ' +
      'duplicates are dropped.',
  })
  @IsOptional()
  @UriListBound()
  dependencies?: string[];
}

@InputType({ description: 'A new application; its default client is created with it.' })
export class CreateApplicationInput extends ApplicationFieldsInput {
  @Field(() => String, { description: 'User-specified, unique within the zone: 1 to 128 printable characters without whitespace.' })
  @IsIdentifier()
  identifier!: string;

  @Field(() => String, { description: 'Display name, 1 to 200 characters; the slug is derived from it when omitted.' })
  @NameBound()
  name!: string;

  @Field(() => ID, { nullable: true, description: 'The zone to create it in: 1 to 64 printable characters without whitespace. Defaults to "default".' })
  @IsOptional()
  @IsIdentifier(INPUT_BOUNDS.zoneId)
  zoneId?: string;

  @Field(() => OwnerType, { nullable: true, description: 'Defaults to CUSTOMER; PLATFORM needs the platform:write scope.' })
  ownerType?: OwnerType;

  @Field(() => ClientSettingsInput, {
    nullable: true,
    description:
      'Settings of the default client; omitted ones are derived (redirect URIs from `protocols.oauth2`, the name from the application). ' +
      'Checked by the client rules like createClient.',
  })
  @IsOptional()
  @ValidateNested()
  defaultClient?: ClientSettingsInput;

  @Field(() => String, {
    nullable: true,
    description:
      'At most 200 characters. Retries with the same key and input return the first result (without the secret); the same key with another input ' +
      'is a CONFLICT. Kept 24 hours per organization.',
  })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
}

@InputType({ description: 'A partial update: omitted fields keep their values.' })
export class UpdateApplicationInput extends ApplicationFieldsInput {
  @Field(() => ID, { description: 'The application to change.' }) id!: string;

  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the application is still at this version.' })
  expectedVersion?: number;

  @Field(() => String, { nullable: true, description: 'User-specified, unique within the zone: 1 to 128 printable characters without whitespace.' })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;

  @Field(() => String, { nullable: true, description: 'Display name, 1 to 200 characters.' })
  @IsOptional()
  @NameBound()
  name?: string;
}

@InputType({ description: 'The application to delete, with its clients and credentials.' })
export class DeleteApplicationInput {
  @Field(() => ID, { description: 'The application to delete.' }) id!: string;
}

@InputType({ description: 'Narrows `applications`; the conditions given must all hold.' })
export class ApplicationFilter {
  @Field(() => ID, { nullable: true, description: 'Only applications of this zone.' }) zoneId?: string;
  @Field(() => OwnerType, { nullable: true, description: 'Only applications with this owner type.' }) ownerType?: OwnerType;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring match on name, identifier or slug; at most 200 characters.' })
  @IsOptional()
  @MaxLength(INPUT_BOUNDS.search)
  search?: string;
}

export enum ApplicationOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NAME = 'NAME',
  IDENTIFIER = 'IDENTIFIER',
}
export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(ApplicationOrderField, {
  name: 'ApplicationOrderField',
  description: 'What `applications` is sorted by; ties are broken by id.',
  valuesConfig: {
    CREATED_AT: { description: 'Creation time. The default.' },
    UPDATED_AT: { description: 'Time of the last change.' },
    NAME: { description: 'Display name.' },
    IDENTIFIER: { description: 'Identifier.' },
  },
});
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction.',
  valuesConfig: {
    ASC: { description: 'Ascending: oldest first, or A to Z. The default.' },
    DESC: { description: 'Descending: newest first, or Z to A.' },
  },
});

@InputType({ description: 'The order of `applications`. A cursor belongs to one order: page on with the same `orderBy`.' })
export class ApplicationOrder {
  @Field(() => ApplicationOrderField, { description: 'The sort column.' }) field!: ApplicationOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction; ASC by default.' }) direction!: OrderDirection;
}

@ObjectType({ simpleResolvers: true, description: 'The result of createApplication.' })
export class CreateApplicationPayload {
  @Field(() => Application, { description: 'The new application.' }) application!: Application;
  @Field(() => Client, { description: 'Its default client, created in the same transaction.' }) defaultClient!: Client;
  @Field(() => String, { nullable: true, description: 'Secret of the default client, shown only here; null when it has none or on a replay.' })
  clientSecret!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The result of updateApplication.' })
export class UpdateApplicationPayload {
  @Field(() => Application, { description: 'The application after the change.' }) application!: Application;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleteApplication.' })
export class DeleteApplicationPayload {
  @Field(() => ID, { description: 'Id of the deleted application.' }) deletedId!: string;
}
