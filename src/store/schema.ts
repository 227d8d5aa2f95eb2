// Versioned schema migrations. Each migration is applied once, inside a write transaction, and
// recorded in schema_migrations, so an existing database is upgraded in place.
import type { Dialect } from './sql.js';

export interface Migration {
  version: number;
  description: string;
  statements(dialect: Dialect): string[];
}

const idColumn = (d: Dialect) => (d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY');
// Epoch milliseconds exceed 32 bits.
const time = 'BIGINT NOT NULL';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'resource providers, inventories, traits, aggregates, consumers, allocations',
    statements: (d) => [
      `CREATE TABLE meta (id INTEGER PRIMARY KEY, change_counter BIGINT NOT NULL)`,
      `INSERT INTO meta (id, change_counter) VALUES (1, 0)`,
      `CREATE TABLE resource_classes (id ${idColumn(d)}, name VARCHAR(255) NOT NULL UNIQUE,
         standard INTEGER NOT NULL, created_at ${time}, updated_at ${time})`,
      `CREATE TABLE traits (id ${idColumn(d)}, name VARCHAR(255) NOT NULL UNIQUE,
         standard INTEGER NOT NULL, created_at ${time}, updated_at ${time})`,
      `CREATE TABLE resource_providers (id ${idColumn(d)}, uuid VARCHAR(36) NOT NULL UNIQUE,
         name VARCHAR(200) NOT NULL UNIQUE, generation INTEGER NOT NULL,
         parent_id BIGINT REFERENCES resource_providers (id), root_id BIGINT,
         created_at ${time}, updated_at ${time})`,
      `CREATE INDEX rp_parent ON resource_providers (parent_id)`,
      `CREATE INDEX rp_root ON resource_providers (root_id)`,
      `CREATE TABLE inventories (provider_id BIGINT NOT NULL REFERENCES resource_providers (id),
         class_id BIGINT NOT NULL REFERENCES resource_classes (id), total INTEGER NOT NULL,
         reserved INTEGER NOT NULL, min_unit INTEGER NOT NULL, max_unit INTEGER NOT NULL,
         step_size INTEGER NOT NULL, allocation_ratio DOUBLE PRECISION NOT NULL,
         created_at ${time}, updated_at ${time}, PRIMARY KEY (provider_id, class_id))`,
      `CREATE TABLE provider_traits (provider_id BIGINT NOT NULL REFERENCES resource_providers (id),
         trait_id BIGINT NOT NULL REFERENCES traits (id), PRIMARY KEY (provider_id, trait_id))`,
      `CREATE INDEX provider_traits_trait ON provider_traits (trait_id)`,
      `CREATE TABLE provider_aggregates (provider_id BIGINT NOT NULL REFERENCES resource_providers (id),
         aggregate_uuid VARCHAR(36) NOT NULL, PRIMARY KEY (provider_id, aggregate_uuid))`,
      `CREATE INDEX provider_aggregates_agg ON provider_aggregates (aggregate_uuid)`,
      `CREATE TABLE consumers (id ${idColumn(d)}, uuid VARCHAR(36) NOT NULL UNIQUE,
         project_id VARCHAR(255) NOT NULL, user_id VARCHAR(255) NOT NULL,
         generation INTEGER NOT NULL, consumer_type VARCHAR(255),
         created_at ${time}, updated_at ${time})`,
      `CREATE TABLE allocations (id ${idColumn(d)},
         provider_id BIGINT NOT NULL REFERENCES resource_providers (id),
         consumer_id BIGINT NOT NULL REFERENCES consumers (id),
         class_id BIGINT NOT NULL REFERENCES resource_classes (id), used INTEGER NOT NULL,
         created_at ${time}, updated_at ${time})`,
      `CREATE INDEX allocations_provider_class ON allocations (provider_id, class_id)`,
      `CREATE INDEX allocations_consumer ON allocations (consumer_id)`,
    ],
  },
];

export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)';
