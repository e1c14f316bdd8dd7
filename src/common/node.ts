import { Field, ID, InterfaceType, registerEnumType } from 'type-graphql';
import { type IdKind, idKind } from './ids';

type TypeNameOf = (value: Record<string, unknown>) => string;
const TYPE_NAME_BY_KIND = new Map<IdKind, TypeNameOf>();

/** Each feature names the GraphQL type of its rows (credentials pick one by their `type`). */
export function registerNodeType(kind: IdKind, typeName: string | TypeNameOf): void {
  TYPE_NAME_BY_KIND.set(kind, typeof typeName === 'string' ? () => typeName : typeName);
}

/** GraphQL type name of any stored object: its id prefix says which feature it belongs to. */
export function nodeTypeName(value: { id: string }): string | undefined {
  const kind = idKind(value.id);
  return kind ? TYPE_NAME_BY_KIND.get(kind)?.(value) : undefined;
}

/** Relay's Node: every object with an id can be fetched again through `node(id)`. */
@InterfaceType({
  resolveType: nodeTypeName,
  description: 'An object with a globally unique id, which `node(id)` fetches again (Relay Global Object Identification).',
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque, globally unique id; its prefix names the type (`app_`, `cli_`, `cred_`, `prv_`, `evt_`, `rgt_`).' }) id!: string;
}

export enum OwnerType {
  PLATFORM = 'PLATFORM',
  CUSTOMER = 'CUSTOMER',
}
registerEnumType(OwnerType, {
  name: 'OwnerType',
  description: 'Who manages an object: the platform operator or the customer.',
  valuesConfig: {
    PLATFORM: { description: 'Managed by the platform operator: created, changed and deleted only by callers that also have platform:write.' },
    CUSTOMER: { description: "Managed by the customer's organization with the ordinary scopes. The default." },
  },
});
