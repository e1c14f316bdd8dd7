import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';
import { GrantType } from '../clients/client.entity';

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    'An RFC 7591 initial access token: lets clients register themselves at `POST /oauth/register` into one application. ' +
    'The token itself is shown once, by createRegistrationToken.',
})
@Entity({ name: 'registration_tokens' })
export class RegistrationToken implements Node {
  @Field(() => ID, { description: 'Id of the token (`rgt_…`).' })
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Field(() => ID, { description: 'The application every client registered with this token joins.' })
  @Column({ type: 'text', name: 'application_id' })
  applicationId!: string;

  @Field(() => String, { nullable: true, description: 'Free text for people; null when unset.' })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Keyed hash of the token (common/secrets.ts); the token is never stored. */
  @Column({ type: 'bytea', name: 'token_hash' })
  tokenHash!: Buffer;

  @Field(() => Date, { nullable: true, description: 'When the token stops working; null: never.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How many clients the token may register; null: no limit. Re-registrations that return an existing client do not count.',
  })
  @Column({ type: 'integer', name: 'max_uses', nullable: true })
  maxUses!: number | null;

  @Field(() => Int, { description: 'How many clients the token has registered.' })
  @Column({ type: 'integer' })
  uses!: number;

  @Field(() => [String], { nullable: true, description: 'The scopes a registered client may ask for; null: any.' })
  @Column({ type: 'text', array: true, name: 'allowed_scopes', nullable: true })
  allowedScopes!: string[] | null;

  @Field(() => [GrantType], { nullable: true, description: 'The grant types a registered client may ask for; null: any.' })
  @Column({ type: 'text', array: true, name: 'allowed_grant_types', nullable: true })
  allowedGrantTypes!: GrantType[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Days without use after which a client registered with this token is deleted (see `Client.expiresAt`); null: never.',
  })
  @Column({ type: 'integer', name: 'unused_client_expiry_days', nullable: true })
  unusedClientExpiryDays!: number | null;

  @Field(() => Date, { nullable: true, description: 'When revokeRegistrationToken stopped the token; null while it works.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'text', name: 'created_by' })
  createdBy!: string;

  @Field(() => Date, { description: 'When the token was made (UTC).' })
  @Column({ type: 'timestamptz', precision: 3, name: 'created_at' })
  createdAt!: Date;
}

registerNodeType('registrationToken', 'RegistrationToken');

@ObjectType({ simpleResolvers: true, description: 'A page of registration tokens, oldest first.' })
export class RegistrationTokenConnection extends ConnectionType('RegistrationToken', () => RegistrationToken) {}
