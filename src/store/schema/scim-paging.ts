// What SCIM index paging (RFC 7644 §3.4.2.4) keeps in the database: exact user counts per store, so that
// `totalResults` of an unfiltered read costs a few rows instead of a count(*) of the store, and where the pages
// of a read ended, so that the page after one a client was just given is read by keyset instead of OFFSET.
import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { userStores } from './core.js';

/**
 * Users per store, kept exact by triggers on `users` (drizzle/…_scim_paging.sql) in the writing statement's
 * transaction, whichever code path writes. A store's count is the sum of its shards: each database session adds
 * to its own shard (its backend pid modulo 16), so concurrent inserts do not queue on one row until they commit.
 */
export const userStoreCounts = pgTable(
  'user_store_counts',
  {
    userStoreId: uuid('user_store_id')
      .notNull()
      .references(() => userStores.id, { onDelete: 'cascade' }),
    shard: smallint('shard').notNull(),
    users: bigint('users', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userStoreId, t.shard] })],
);

/**
 * Where a page of a SCIM read ended: the sort key and id of its last row, under the read's key (a hash of the
 * client, resource type, filter and sort) and the startIndex of the page that follows it. Re-creatable state
 * (without it the next page is read by OFFSET), so the table is UNLOGGED: writing it costs no WAL flush.
 */
export const scimReadPositions = pgTable(
  'scim_read_positions',
  {
    readKey: text('read_key').notNull(),
    startIndex: integer('start_index').notNull(),
    /** The sort key of the last row as text (null: no sortBy, or the row's key was null). */
    lastKey: text('last_key'),
    lastId: uuid('last_id').notNull(),
    /** A filtered read's count, taken when the read started and reported on each of its pages. */
    totalResults: integer('total_results'),
    /** Whether the read's filter is evaluated behind an optimisation fence (see scim-search.ts). */
    fenced: boolean('fenced').notNull().default(true),
    expiresAt: timestamp('expires_at', { withTimezone: true })
      .notNull()
      .default(sql`now() + interval '1 hour'`),
  },
  (t) => [primaryKey({ columns: [t.readKey, t.startIndex] })],
);
