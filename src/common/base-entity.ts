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
  @Field(() => ID)
  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => ID)
  @Column({ type: 'text', name: 'zone_id' })
  zoneId!: string;

  @Field(() => String)
  @Column({ type: 'text' })
  identifier!: string;

  @Field(() => String)
  @Column({ type: 'text' })
  slug!: string;

  @Field(() => String)
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => OwnerType)
  @Column({ type: 'text', name: 'owner_type' })
  ownerType!: OwnerType;
}
