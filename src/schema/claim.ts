// Claims: a storefront's own copy of a link's selection.
import { LinkUnavailable, RateLimited, ValidationFailed } from '../services/errors.js';
import { db } from '../db/client.js';
import { builder } from './builder.js';
import { resultErrors } from './errors.js';
import { claimSelection, claimSelectionLimited } from '../services/link.js';
import { countClaim } from '../observability/metrics.js';

export const Claim = builder.prismaObject('Claim', {
  description: 'One claimant\'s claim of a shareable link.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    link: t.relation('link', { description: 'The link that was claimed.' }),
    selection: t.relation('selection', { description: 'The claimant\'s own copy of the link\'s selection.' }),
    claimedAt: t.expose('claimedAt', { type: 'DateTime', description: 'When it was claimed.' }),
    order: t.relation('order', { nullable: true, description: 'The order placed from the copy, if any.' }),
  }),
});

const ClaimSelectionInput = builder.inputType('ClaimSelectionInput', {
  description: 'The two hashes from the link URL.',
  fields: (t) => ({
    hash1: t.string({ description: 'The %basket% part of the URL.' }),
    hash2: t.string({ description: 'The %hash% part of the URL.' }),
  }),
});

const ClaimSelectionSuccess = builder
  .objectRef<{ claimId: string; selectionId: string; sessionToken: string }>('ClaimSelectionSuccess')
  .implement({
    description: 'The claim and the claimant\'s copy.',
    fields: (t) => ({
      claim: t.prismaField({
        type: 'Claim',
        description: 'The claim.',
        resolve: (query, r) => db().claim.findUniqueOrThrow({ ...query, where: { id: r.claimId } }),
      }),
      selection: t.prismaField({
        type: 'Selection',
        description: 'The claimant\'s copy of the selection.',
        resolve: (query, r) => db().selection.findUniqueOrThrow({ ...query, where: { id: r.selectionId } }),
      }),
      sessionToken: t.exposeString('sessionToken', {
        description: 'Send as the X-Session-Token header to act on the claimed selection. Returned only here.',
      }),
    }),
  });

builder.mutationField('claimSelection', (t) =>
  t.field({
    type: ClaimSelectionSuccess,
    description: 'Public. Claims a shareable link: a copy of its selection for this claimant, and a session token.',
    errors: resultErrors('ClaimSelection', [LinkUnavailable, RateLimited, ValidationFailed]),
    args: { input: t.arg({ type: ClaimSelectionInput, description: 'The hash pair.' }) },
    resolve: (_root, { input }, ctx) =>
      countClaim(ctx.metrics, claimSelectionLimited(ctx.claimLimiter, ctx.clientAddress, () => claimSelection(ctx.events, ctx.caller, input, ctx.sessionToken))),
  }),
);
