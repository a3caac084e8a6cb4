// Link events (the outbox) for the admin dashboard: the catch-up query and the live subscription.
import { GraphQLError } from 'graphql';
import { db } from '../db/client.js';
import { LinkEventType as LinkEventTypeValues } from '../generated/prisma/enums.js';
import { isUuid } from '../services/validate.js';
import { adminOnly, builder, noRow } from './builder.js';

export const LinkEventType = builder.enumType(LinkEventTypeValues, {
  name: 'LinkEventType',
  description: 'What happened to a link.',
  values: {
    ISSUED: { description: 'The link was issued.' },
    CLAIMED: { description: 'Someone claimed the link and got a copy.' },
    CONSUMED: { description: 'The first order from any claim of the link: the link is now dead.' },
    ORDER_PLACED: { description: 'Every order placed from a claim of the link, the first included.' },
    REVOKED: { description: 'The link was revoked.' },
  },
});

export const LinkEvent = builder.prismaObject('LinkEvent', {
  description: 'Something that happened to a shareable link, recorded in the same transaction as the change.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    sequence: t.string({
      description: 'Strictly increasing across all link events; clients resume after the last one they saw.',
      select: { sequence: true },
      resolve: (event) => event.sequence.toString(),
    }),
    type: t.expose('type', { type: LinkEventType, description: 'What happened.' }),
    link: t.relation('link', { description: 'The link it happened to.' }),
    claim: t.relation('claim', { nullable: true, description: 'The claim involved, if any.' }),
    order: t.relation('order', { nullable: true, description: 'The order involved, if any.' }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', description: 'When it happened.' }),
  }),
});

const MAX_PAGE = 500;
const MAX_SEQUENCE = 2n ** 63n - 1n;

/** A sequence from a LinkEvent ("42"), or a GraphQL error naming the argument. */
function parseSequence(after: string | null | undefined): bigint | null {
  if (after == null) return null;
  if (!(/^\d{1,19}$/.test(after) && BigInt(after) <= MAX_SEQUENCE)) {
    throw new GraphQLError('after must be a sequence from a LinkEvent', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return BigInt(after);
}

builder.queryField('linkEvents', (t) =>
  t.prismaField({
    ...adminOnly,
    type: ['LinkEvent'],
    description:
      'Admin only. Stored link events after a sequence, oldest first: how a dashboard that reconnects catches up on what it missed.',
    extensions: { items: MAX_PAGE },
    args: {
      after: t.arg.string({ required: false, description: 'The last sequence seen; omit to start from the beginning.' }),
      first: t.arg.int({ required: false, defaultValue: 100, description: `How many events, 1 to ${MAX_PAGE}.` }),
      linkId: t.arg.id({ required: false, description: 'Only this link\'s events.' }),
      types: t.arg({ type: [LinkEventType], required: false, description: 'Only events of these types.' }),
    },
    resolve: (query, _root, args) => {
      const first = args.first ?? 100;
      if (first < 1 || first > MAX_PAGE) throw new GraphQLError(`first must be from 1 to ${MAX_PAGE}`, { extensions: { code: 'BAD_USER_INPUT' } });
      const after = parseSequence(args.after);
      if (args.linkId != null && !isUuid(args.linkId)) return noRow(query, []);
      return db().linkEvent.findMany({
        ...query,
        where: {
          ...(after !== null && { sequence: { gt: after } }),
          ...(args.linkId != null && { linkId: args.linkId }),
          ...(args.types != null && { type: { in: args.types } }),
        },
        orderBy: { sequence: 'asc' },
        take: first,
      });
    },
  }),
);

builder.subscriptionType({ description: 'Live updates over graphql-ws or server-sent events.' });

builder.subscriptionField('linkEvents', (t) =>
  t.field({
    ...adminOnly,
    type: LinkEvent,
    description: 'Admin only. Every link event after commit, optionally for one link and some types.',
    args: {
      linkId: t.arg.id({ required: false, description: 'Only this link\'s events.' }),
      types: t.arg({ type: [LinkEventType], required: false, description: 'Only events of these types.' }),
      after: t.arg.string({
        required: false,
        description: 'Replay the stored events after this sequence first, then go on live: a dashboard that reconnects loses nothing.',
      }),
    },
    subscribe: (_root, args, ctx) =>
      ctx.events.subscribe({ linkId: args.linkId, types: args.types, after: parseSequence(args.after) }),
    resolve: (event) => event,
  }),
);
