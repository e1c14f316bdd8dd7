import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, PrimaryColumn } from 'typeorm';

/**
 * What every changeable stored object carries: its typed id, an optimistic-locking version
 * and its timestamps (millisecond precision, so keyset cursors round-trip exactly).
 */
@ObjectType({ simpleResolvers: true })
export abstract class VersionedRecord {
  // Described by the Node interface, whose field description the schema takes.
  @Field(() => ID)
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Field(() => Int, { description: 'Incremented on every change; pass it as `expectedVersion` for optimistic locking.' })
  @Column({ type: 'integer' })
  version!: number;

  @Field(() => Date, { description: 'When the object was created (UTC, millisecond precision).' })
  @Column({ type: 'timestamptz', precision: 3, name: 'created_at' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the object last changed (UTC, millisecond precision); equals `createdAt` until the first change.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at' })
  updatedAt!: Date;
}
