import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

/** One committed change: who did what to which object, in which request. Never a secret value. */
@ObjectType({ simpleResolvers: true, implements: Node, description: 'A change made through the API, recorded in the same transaction as the change.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'audit_events' })
export class AuditEvent implements Node {
  @Field(() => ID, { description: 'Opaque id with the prefix `evt_`; ids sort by creation time.' })
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Field(() => ID, { description: 'The organization the change was made in.' })
  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => String, { description: 'The `sub` claim of the token of the caller who made the change.' })
  @Column({ type: 'text' })
  actor!: string;

  @Field(() => String, { description: 'What was done, as `<object>.<verb>`, e.g. application.create, client.update, client.rotate_secret.' })
  @Column({ type: 'text' })
  action!: string;

  @Field(() => ID, { description: 'The id of the object changed; it may no longer exist.' })
  @Column({ type: 'text', name: 'target_id' })
  targetId!: string;

  @Field(() => String, { description: 'GraphQL type of the target, e.g. Application.' })
  @Column({ type: 'text', name: 'target_type' })
  targetType!: string;

  @Field(() => [String], { description: 'Names of the fields the change set (values are never recorded).' })
  @Column({ type: 'text', array: true, name: 'changed_fields' })
  changedFields!: string[];

  @Field(() => String, {
    nullable: true,
    description: "The `x-request-id` of the request that made the change (the caller's when well-formed, else one Clavis generated).",
  })
  @Column({ type: 'text', name: 'request_id', nullable: true })
  requestId!: string | null;

  @Field(() => Date, { description: 'When the change was made (millisecond precision).' })
  @Column({ type: 'timestamptz', precision: 3, name: 'created_at' })
  createdAt!: Date;
}

registerNodeType('auditEvent', 'AuditEvent');

@ObjectType({ simpleResolvers: true, description: 'A page of audit events, oldest first.' })
export class AuditEventConnection extends ConnectionType('AuditEvent', () => AuditEvent) {}
