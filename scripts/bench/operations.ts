/**
 * The GraphQL operations the benchmark sends. Clavis and the limit server receive the very
 * same request bodies (the limit server recognises the operation text); PostGraphile 5 and 4
 * receive the equivalent operations in their own generated names.
 */

/** (a) one application by id, every scalar and nested object field. */
export const APPLICATION_QUERY = `query Application($id: ID!) {
  application(id: $id) {
    id organizationId zoneId identifier slug name description ownerType
    metadata { docsUrl }
    protocols { oauth2 { redirectUris postLogoutRedirectUris } }
    dependencies dependenciesCount version createdAt updatedAt
  }
}`;

/** (b) a page of applications with their clients, credentials and the credentials' providers. */
export const PAGE_QUERY = `query ApplicationsPage($first: Int!) {
  applications(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id identifier slug name ownerType version createdAt
        clients {
          edges { node { id clientId name clientType visibility grantTypes redirectUris tokenEndpointAuthMethod requirePkce createdAt } }
        }
        credentials {
          edges {
            node {
              __typename
              ... on ApplicationCredential { id type identifier slug createdAt }
              ... on TokenCredential { subject provider { id identifier name type } }
              ... on UrlCredential { url }
              ... on PublicKeyCredential { jwksUri }
            }
          }
        }
      }
    }
  }
}`;

/** (c) client authentication with a known secret. */
export const AUTHENTICATE_MUTATION = `mutation Authenticate($input: AuthenticateClientInput!) {
  authenticateClient(input: $input) { authenticated usedRotatedSecret client { id clientId } }
}`;

/** (d) a partial update of one application. */
export const UPDATE_MUTATION = `mutation Update($input: UpdateApplicationInput!) {
  updateApplication(input: $input) { application { id name version updatedAt } }
}`;

/** PostGraphile 4's equivalent of (a): same table, same columns (JSON columns as JSON scalars). */
export const POSTGRAPHILE4_APPLICATION_QUERY = `query Application($id: String!) {
  applicationById(id: $id) {
    id organizationId zoneId identifier slug name description ownerType
    metadata protocols dependencies version createdAt updatedAt
  }
}`;

/**
 * PostGraphile 4's equivalent of (b): same page (organization, order, size), same nested
 * rows and columns, page sizes of the nested connections capped at Clavis's default of 20.
 */
export const POSTGRAPHILE4_PAGE_QUERY = `query ApplicationsPage($first: Int!, $org: String!) {
  allApplications(first: $first, orderBy: [CREATED_AT_ASC, ID_ASC], condition: { organizationId: $org }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id identifier slug name ownerType version createdAt
        clientsByApplicationId(first: 20, orderBy: [CREATED_AT_ASC, ID_ASC]) {
          edges { node { id clientId name clientType visibility grantTypes redirectUris tokenEndpointAuthMethod requirePkce createdAt } }
        }
        credentialsByApplicationId(first: 20, orderBy: [CREATED_AT_ASC, ID_ASC]) {
          edges {
            node {
              id type identifier slug createdAt subject url jwksUri
              providerByProviderId { id identifier name type }
            }
          }
        }
      }
    }
  }
}`;

/**
 * PostGraphile 5's (Amber preset) equivalent of (a). V5 gives the Node interface the field `id`
 * (a global id), so the table's `id` column is `rowId` and the lookup by primary key is
 * `applicationByRowId(rowId:)`. Same columns as for V4.
 */
export const POSTGRAPHILE5_APPLICATION_QUERY = `query Application($id: String!) {
  applicationByRowId(rowId: $id) {
    rowId organizationId zoneId identifier slug name description ownerType
    metadata protocols dependencies version createdAt updatedAt
  }
}`;

/** PostGraphile 5's equivalent of (b): V4's query with `rowId` for the `id` columns and `ROW_ID_ASC` in the orders. */
export const POSTGRAPHILE5_PAGE_QUERY = `query ApplicationsPage($first: Int!, $org: String!) {
  allApplications(first: $first, orderBy: [CREATED_AT_ASC, ROW_ID_ASC], condition: { organizationId: $org }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        rowId identifier slug name ownerType version createdAt
        clientsByApplicationId(first: 20, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
          edges { node { rowId clientId name clientType visibility grantTypes redirectUris tokenEndpointAuthMethod requirePkce createdAt } }
        }
        credentialsByApplicationId(first: 20, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
          edges {
            node {
              rowId type identifier slug createdAt subject url jwksUri
              providerByProviderId { rowId identifier name type }
            }
          }
        }
      }
    }
  }
}`;

export const PAGE_SIZE = 50;

export function body(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}
