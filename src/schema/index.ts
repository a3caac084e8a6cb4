// Assembles the schema: each import registers its domain's types and fields.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
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
