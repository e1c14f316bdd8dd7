import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class AuditEventFilter {
  @Field(() => ID, { nullable: true }) targetId?: string;
  @Field(() => String, { nullable: true, description: 'e.g. client.rotate_secret' }) action?: string;
  @Field(() => String, { nullable: true, description: 'The `sub` of the caller who made the change.' }) actor?: string;
  @Field(() => Date, { nullable: true, description: 'Only events at or after this time.' }) since?: Date;
}
