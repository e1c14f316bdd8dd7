import { IsOptional, IsUrl } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { UriBound } from './input-bounds';

@ObjectType({ simpleResolvers: true, description: 'Descriptive links about an object, for people.' })
export class EntityMetadata {
  @Field(() => String, { nullable: true, description: 'Where its documentation lives: an absolute https URL; null when unset.' }) docsUrl?: string | null;
}

@InputType({ description: 'Descriptive links about an object; replaces the stored metadata as a whole (null clears it).' })
export class EntityMetadataInput {
  @Field(() => String, { nullable: true, description: 'Where its documentation lives: an absolute https URL, at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'must be an absolute https URL' })
  docsUrl?: string | null;
}
