// Assembles the schema: each import registers its domain's types and fields.
import { GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { QUIET_UNUSED_QUERY, builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './money.js';
import './catalog.js';
import './customer.js';
import './selection.js';
import './link.js';
import './claim.js';
import './order.js';
import './event.js';
import './static.js';

/** The schema clients see (schema.graphql), sorted. */
export const schema = lexicographicSortSchema(builder.toSchema());

/**
 * The schema of an app: the same types; outside production a prisma field that leaves its
 * `query` unused says so on the console, in production nothing is said.
 */
export function buildSchema({ production }: { production: boolean }): GraphQLSchema {
  if (!production) return schema;
  return new GraphQLSchema({ ...schema.toConfig(), extensions: { ...schema.extensions, [QUIET_UNUSED_QUERY]: true } });
}
