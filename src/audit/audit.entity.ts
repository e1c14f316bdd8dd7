import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

/** One committed change: who did what to which object, in which request. Never a secret value. */
@ObjectType({ simpleResolvers: true, implements: Node, description: 'A change made through the API, recorded in the same transaction as the change.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'audit_events' })
export class AuditEvent implements Node {
  @Field(() => ID)
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Field(() => ID)
  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => String, { description: 'The `sub` of the caller.' })
  @Column({ type: 'text' })
  actor!: string;

  @Field(() => String, { description: 'e.g. application.create, client.update, client.rotate_secret.' })
  @Column({ type: 'text' })
  action!: string;

  @Field(() => ID)
  @Column({ type: 'text', name: 'target_id' })
  targetId!: string;

  @Field(() => String, { description: 'GraphQL type of the target, e.g. Application.' })
  @Column({ type: 'text', name: 'target_type' })
  targetType!: string;

  @Field(() => [String], { description: 'Names of the fields the change set (values are never recorded).' })
  @Column({ type: 'text', array: true, name: 'changed_fields' })
  changedFields!: string[];

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', name: 'request_id', nullable: true })
  requestId!: string | null;

  @Field(() => Date)
  @Column({ type: 'timestamptz', precision: 3, name: 'created_at' })
  createdAt!: Date;
}

registerNodeType('auditEvent', 'AuditEvent');

@ObjectType({ simpleResolvers: true })
export class AuditEventConnection extends ConnectionType('AuditEvent', () => AuditEvent) {}
