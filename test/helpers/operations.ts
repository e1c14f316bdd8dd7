import type { Harness, Result } from './harness';

/** GraphQL operations several test files share. */

export const APPLICATION_FIELDS = `
  id organizationId zoneId identifier slug name description ownerType
  metadata { docsUrl }
  protocols { oauth2 { redirectUris postLogoutRedirectUris } }
  dependencies dependenciesCount version createdAt updatedAt
`;

export const CLIENT_FIELDS = `
  id clientId isDefault name clientType visibility redirectUris postLogoutRedirectUris
  grantTypes responseTypes tokenEndpointAuthMethod requirePkce hasSecret version
`;

export const CREATE_APPLICATION = `
  mutation CreateApplication($input: CreateApplicationInput!) {
    createApplication(input: $input) {
      application { ${APPLICATION_FIELDS} }
      defaultClient { ${CLIENT_FIELDS} }
      clientSecret
    }
  }
`;

export const UPDATE_APPLICATION = `
  mutation UpdateApplication($input: UpdateApplicationInput!) {
    updateApplication(input: $input) { application { ${APPLICATION_FIELDS} } }
  }
`;

export const DELETE_APPLICATION = `
  mutation DeleteApplication($input: DeleteApplicationInput!) {
    deleteApplication(input: $input) { deletedId }
  }
`;

export const CREATE_CLIENT = `
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) { client { ${CLIENT_FIELDS} } clientSecret }
  }
`;

export const UPDATE_CLIENT = `
  mutation UpdateClient($input: UpdateClientInput!) {
    updateClient(input: $input) { client { ${CLIENT_FIELDS} } }
  }
`;

export const DELETE_CLIENT = `
  mutation DeleteClient($input: DeleteClientInput!) {
    deleteClient(input: $input) { deletedId }
  }
`;

export interface CreatedApp {
  application: Record<string, any>;
  defaultClient: Record<string, any>;
  clientSecret: string | null;
}

/** Creates an application (failing the test loudly if that does not work). */
export async function createApp(h: Harness, input: Record<string, unknown>, token?: string): Promise<CreatedApp> {
  const result: Result = await h.run(CREATE_APPLICATION, { input }, token === undefined ? {} : { token });
  if (result.errors?.length || !result.data) {
    throw new Error(`createApplication failed: ${JSON.stringify(result.errors)}`);
  }
  return result.data.createApplication as CreatedApp;
}

/** A unique suffix for identifiers, so tests in one file do not collide. */
let counter = 0;
export function unique(prefix = 'x'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
