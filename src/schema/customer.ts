// Customers: the type selections and orders show, and the admins' search.
import { db } from '../db/client.js';
import { customersMatching } from '../services/customer.js';
import { LIMITS } from '../services/validate.js';
import { adminOnly, builder, searchArgument } from './builder.js';

export const Customer = builder.prismaObject('Customer', {
  description: 'Who a selection or order is for.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id. A storefront session sees an id of its own for the customer.' }),
    email: t.exposeString('email', { description: 'E-mail address, lower-cased; unique.' }),
    firstName: t.exposeString('firstName', { nullable: true, description: 'Given name, if known.' }),
    lastName: t.exposeString('lastName', { nullable: true, description: 'Family name, if known.' }),
  }),
});

builder.queryField('customers', (t) =>
  t.prismaConnection(
    {
      ...adminOnly,
      type: 'Customer',
      cursor: 'id',
      description: `Admin only. Customers, newest first, a page at a time (at most 100): those whose e-mail or names contain \`search\` (any case), or all.`,
      args: { search: t.arg.string({ required: false, description: `Part of an e-mail address or a name, at most ${LIMITS.search} characters.` }) },
      resolve: (query, _root, { search }) =>
        db().customer.findMany({ ...query, where: customersMatching(searchArgument(search)), orderBy: { id: 'desc' } }),
    },
    { name: 'CustomerConnection', description: 'A page of customers.' },
    { name: 'CustomerEdge', description: 'One customer and its cursor.' },
  ),
);
