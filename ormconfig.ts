import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/db/data-source';

/** For the TypeORM CLI (`npm run typeorm -- migration:show`); needs DATABASE_URL. */
export default new DataSource(dataSourceOptions({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' }));
