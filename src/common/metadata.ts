import { IsOptional, IsUrl } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { UriBound } from './input-bounds';

@ObjectType({ simpleResolvers: true })
export class EntityMetadata {
  @Field(() => String, { nullable: true }) docsUrl?: string | null;
}

@InputType()
export class EntityMetadataInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @UriBound()
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'must be an absolute https URL' })
  docsUrl?: string | null;
}
