import { Field, ID, InterfaceType, registerEnumType } from 'type-graphql';
import { idKind } from './ids';

/** Relay's Node: every object with an id can be fetched again through `node(id)`. */
@InterfaceType({
  // Ids carry their type prefix, so the type is known without looking at the row.
  resolveType: (value: { id: string }) => NODE_TYPE_BY_KIND[idKind(value.id) ?? 'application'],
})
export abstract class Node {
  @Field(() => ID) id!: string;
}

const NODE_TYPE_BY_KIND: Record<string, string> = { application: 'Application', client: 'Client', provider: 'Provider' };

/** Lets feature folders name the GraphQL type for their id prefix (credentials resolve by `type`). */
export function registerNodeType(kind: string, typeName: string): void {
  NODE_TYPE_BY_KIND[kind] = typeName;
}

export enum OwnerType {
  PLATFORM = 'PLATFORM',
  CUSTOMER = 'CUSTOMER',
}
registerEnumType(OwnerType, { name: 'OwnerType', description: 'Who manages an object: the platform operator or the customer.' });
