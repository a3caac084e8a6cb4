// Statics: named texts such as the payment_link template.
import { db } from '../db/client.js';
import { Forbidden, ValidationFailed } from '../services/errors.js';
import { setStatic } from '../services/static.js';
import { adminOnly, builder, noRow } from './builder.js';
import { resultErrors } from './errors.js';

export const Static = builder.prismaObject('Static', {
  description: 'A named text, e.g. the payment_link template.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name, e.g. "payment_link".' }),
    content: t.exposeString('content', { description: 'The text.' }),
  }),
});

builder.queryField('static', (t) =>
  t.prismaField({
    ...adminOnly,
    type: 'Static',
    nullable: true,
    description: 'Admin only. The stored payment_link template and other statics.',
    args: { name: t.arg.string({ description: 'The static\'s name.' }) },
    resolve: (query, _root, { name }) => (name.length <= 100 ? db().static.findUnique({ ...query, where: { name } }) : noRow(query, null)),
  }),
);

const SetStaticInput = builder.inputType('SetStaticInput', {
  description: 'A static to create or replace.',
  fields: (t) => ({
    name: t.string({ description: 'e.g. "payment_link".' }),
    content: t.string({ description: 'The text (at most 2,000 characters). payment_link must contain %basket% and %hash%.' }),
  }),
});

const SetStaticSuccess = builder.objectRef<{ name: string }>('SetStaticSuccess').implement({
  description: 'The static as now stored.',
  fields: (t) => ({
    static: t.prismaField({
      type: 'Static',
      description: 'The stored static.',
      resolve: (query, r) => db().static.findUniqueOrThrow({ ...query, where: { name: r.name } }),
    }),
  }),
});

builder.mutationField('setStatic', (t) =>
  t.field({
    ...adminOnly,
    type: SetStaticSuccess,
    description: 'Admin. Creates or replaces a static.',
    errors: resultErrors('SetStatic', [ValidationFailed, Forbidden]),
    args: { input: t.arg({ type: SetStaticInput, description: 'The name and content.' }) },
    resolve: (_root, { input }) => setStatic(input),
  }),
);
