import { Field, ID, ObjectType } from 'type-graphql';
import { Column } from 'typeorm';
import { OwnerType } from './node';
import { VersionedRecord } from './versioned';

/**
 * The columns (and GraphQL fields, in this order) of an object an organization owns in one of
 * its zones under a name and an identifier: applications and providers. A subclass that
 * documents a field differently redeclares only its `@Field`; the column stays here.
 */
@ObjectType({ simpleResolvers: true })
export abstract class ZonedRecord extends VersionedRecord {
  @Field(() => ID, { description: 'The organization (tenant) that owns the object: the `org` claim of the token that created it.' })
  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => ID, { description: 'The zone the object lives in; identifier and slug are unique within it. "default" unless given at creation.' })
  @Column({ type: 'text', name: 'zone_id' })
  zoneId!: string;

  @Field(() => String, { description: 'User-specified, unique within the zone: 1 to 128 printable characters without whitespace.' })
  @Column({ type: 'text' })
  identifier!: string;

  @Field(() => String, {
    description: 'URL-safe, unique within the zone: lowercase letters, digits and single hyphens, at most 64 characters; derived from the name when omitted.',
  })
  @Column({ type: 'text' })
  slug!: string;

  @Field(() => String, { description: 'Display name, 1 to 200 characters.' })
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 2000 characters; null when unset.' })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => OwnerType, { description: 'Who manages the object; a PLATFORM-owned one is changed or deleted only by callers that also have platform:write.' })
  @Column({ type: 'text', name: 'owner_type' })
  ownerType!: OwnerType;
}
