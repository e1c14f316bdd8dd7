import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'Narrows the audit trail; the conditions given must all hold.' })
export class AuditEventFilter {
  @Field(() => ID, { nullable: true, description: 'Only changes to the object with this id.' }) targetId?: string;
  @Field(() => String, { nullable: true, description: 'Only events with exactly this action, e.g. client.rotate_secret.' }) action?: string;
  @Field(() => String, { nullable: true, description: 'Only changes made by this caller (the `sub` of its token).' }) actor?: string;
  @Field(() => Date, { nullable: true, description: 'Only events at or after this time.' }) since?: Date;
}
