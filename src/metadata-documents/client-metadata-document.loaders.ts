import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import type { ClientMetadataDocument } from './client-metadata-document.entity';
import { documentsByUrls } from './client-metadata-document.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createMetadataDocumentLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byUrl: batchLoader<string, ClientMetadataDocument>(
      (urls) => documentsByUrls(dataSource, organizationId, urls),
      (document) => document.url,
    ),
  };
}

export type MetadataDocumentLoaders = ReturnType<typeof createMetadataDocumentLoaders>;
