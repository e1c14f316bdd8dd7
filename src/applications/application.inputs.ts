import { IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Client } from '../clients/client.entity';
import { ClientSettingsInput } from '../clients/client.inputs';
import { EntityMetadataInput } from '../common/metadata';
import { DescriptionBound, IdempotencyKeyBound, INPUT_BOUNDS, IsIdentifier, IsSlug, NameBound, UriListBound } from '../common/input-bounds';
import { OwnerType } from '../common/node';
import { Application } from './application.entity';

@InputType()
export class OAuth2ApplicationProtocolInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @UriListBound()
  redirectUris?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @UriListBound()
  postLogoutRedirectUris?: string[];
}

@InputType()
export class ApplicationProtocolsInput {
  @Field(() => OAuth2ApplicationProtocolInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  oauth2?: OAuth2ApplicationProtocolInput | null;
}

/** Fields create and update share; on update every one is optional. */
@InputType()
abstract class ApplicationFieldsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsSlug()
  slug?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @DescriptionBound()
  description?: string | null;

  @Field(() => EntityMetadataInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  metadata?: EntityMetadataInput | null;

  @Field(() => ApplicationProtocolsInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  protocols?: ApplicationProtocolsInput | null;

  @Field(() => [String], { nullable: true, description: 'Resource identifiers (absolute URIs) the application needs.' })
  @IsOptional()
  @UriListBound()
  dependencies?: string[];
}

@InputType()
export class CreateApplicationInput extends ApplicationFieldsInput {
  @Field(() => String)
  @IsIdentifier()
  identifier!: string;

  @Field(() => String)
  @NameBound()
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Defaults to "default".' })
  @IsOptional()
  @IsIdentifier(INPUT_BOUNDS.zoneId)
  zoneId?: string;

  @Field(() => OwnerType, { nullable: true, description: 'Defaults to CUSTOMER; PLATFORM needs the platform:write scope.' })
  ownerType?: OwnerType;

  @Field(() => ClientSettingsInput, { nullable: true, description: 'Settings of the default client; omitted ones are derived.' })
  @IsOptional()
  @ValidateNested()
  defaultClient?: ClientSettingsInput;

  @Field(() => String, { nullable: true, description: 'Retries with the same key and input return the first result.' })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
}

@InputType()
export class UpdateApplicationInput extends ApplicationFieldsInput {
  @Field(() => ID) id!: string;

  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the application is still at this version.' })
  expectedVersion?: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @NameBound()
  name?: string;
}

@InputType()
export class DeleteApplicationInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class ApplicationFilter {
  @Field(() => ID, { nullable: true }) zoneId?: string;
  @Field(() => OwnerType, { nullable: true }) ownerType?: OwnerType;

  @Field(() => String, { nullable: true, description: 'Case-insensitive match on name, identifier or slug.' })
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
registerEnumType(ApplicationOrderField, { name: 'ApplicationOrderField' });
registerEnumType(OrderDirection, { name: 'OrderDirection' });

@InputType()
export class ApplicationOrder {
  @Field(() => ApplicationOrderField) field!: ApplicationOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC }) direction!: OrderDirection;
}

@ObjectType({ simpleResolvers: true })
export class CreateApplicationPayload {
  @Field(() => Application) application!: Application;
  @Field(() => Client) defaultClient!: Client;
  @Field(() => String, { nullable: true, description: 'Secret of the default client, shown only here; null when it has none or on a replay.' })
  clientSecret!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class UpdateApplicationPayload {
  @Field(() => Application) application!: Application;
}

@ObjectType({ simpleResolvers: true })
export class DeleteApplicationPayload {
  @Field(() => ID) deletedId!: string;
}
