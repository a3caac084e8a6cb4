// Shareable links: types, admin reads, issuing and revoking.
import { db } from '../db/client.js';
import { ShareableLinkStatus as LinkStatusValues } from '../generated/prisma/enums.js';
import { effectiveStatus, issueShareableLink, linksShowing, revokeShareableLink } from '../services/link.js';
import { adminOnly, builder, noRow, pageSize } from './builder.js';
import { resultErrors } from './errors.js';
import { Forbidden, LinkUnavailable, NotFound, SelectionStateFailed, ShippingUnavailable, ValidationFailed } from '../services/errors.js';
import { LIMITS, isUuid } from '../services/validate.js';

/** Claims `ShareableLink.claims` answers when `first` is not given. */
const CLAIMS_PAGE = 100;

export const ShareableLinkStatus = builder.enumType(LinkStatusValues, {
  name: 'ShareableLinkStatus',
  description: 'Whether a link can still be claimed.',
  values: {
    ACTIVE: { description: 'Can be claimed.' },
    CONSUMED: { description: 'The first order from a claim of it was placed: new claims get LINK_USED.' },
    REVOKED: { description: 'Revoked by an admin, or replaced by a newer link for the same selection.' },
    EXPIRED: { description: 'Past its expiresAt.' },
  },
});

export const ShareableLink = builder.prismaObject('ShareableLink', {
  description: 'A one-time link to a copy of an admin-built selection.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    status: t.field({
      type: ShareableLinkStatus,
      description: 'Whether it can still be claimed. An ACTIVE link past its expiresAt shows EXPIRED.',
      select: { status: true, expiresAt: true },
      resolve: (link) => effectiveStatus(link),
    }),
    hash1: t.exposeString('hash1', { description: 'The public half of the hash pair (the %basket% of the link template).' }),
    // The admin's side of a link: claimants reach a link through their claim, but not this.
    selection: t.relation('selection', {
      ...adminOnly,
      unauthorizedResolver: () => null,
      nullable: true,
      description: 'The admin selection the link copies from; null once it was deleted by the first purchase. Admins only.',
    }),
    lockItems: t.exposeBoolean('lockItems', { description: 'Claimed copies can buy exactly these items and nothing else.' }),
    maxOrders: t.exposeInt('maxOrders', { nullable: true, description: 'At most this many orders from all claims of the link; null: no limit (the seed\'s rule).' }),
    ignoreShipping: t.exposeBoolean('ignoreShipping', { description: 'Claimed copies pay no shipping.' }),
    ignoreTax: t.exposeBoolean('ignoreTax', { description: 'Claimed copies pay no tax.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was issued.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working, if ever.' }),
    consumedAt: t.expose('consumedAt', { type: 'DateTime', nullable: true, description: 'When the first order consumed it.' }),
    order: t.relation('order', {
      ...adminOnly,
      unauthorizedResolver: () => null,
      nullable: true,
      description: 'The first order placed from a claim of this link. Admins only.',
    }),
    claims: t.relation('claims', {
      ...adminOnly,
      unauthorizedResolver: () => [] as never,
      description: `The claims of the link, oldest first: the first \`first\` of them; \`claimCount\` counts them all. Admins only; empty for others.`,
      extensions: { items: LIMITS.claimsPerAnswer },
      args: {
        first: t.arg.int({ required: false, defaultValue: CLAIMS_PAGE, description: `How many claims, at most ${LIMITS.claimsPerAnswer}.` }),
      },
      query: ({ first }) => ({ orderBy: [{ claimedAt: 'asc' }, { id: 'asc' }], take: pageSize(first, CLAIMS_PAGE, LIMITS.claimsPerAnswer) }),
    }),
    claimCount: t.relationCount('claims', {
      ...adminOnly,
      unauthorizedResolver: () => 0,
      description: 'How many times the link was claimed. Admins only; 0 for others.',
    }),
  }),
});

builder.queryField('shareableLink', (t) =>
  t.prismaField({
    ...adminOnly,
    type: 'ShareableLink',
    nullable: true,
    description: 'Admin only. The link with this id, or null.',
    args: { id: t.arg.id({ description: 'The link\'s id.' }) },
    resolve: (query, _root, { id }) => (isUuid(id) ? db().shareableLink.findUnique({ ...query, where: { id } }) : noRow(query, null)),
  }),
);

builder.queryField('shareableLinks', (t) =>
  t.prismaConnection(
    {
      ...adminOnly,
      type: 'ShareableLink',
      cursor: 'id',
      description: 'Admin only. Links, newest first, a page at a time (at most 100), optionally of one status.',
      args: { status: t.arg({ type: ShareableLinkStatus, required: false, description: 'Only links that show this status.' }) },
      resolve: (query, _root, { status }) => db().shareableLink.findMany({ ...query, where: linksShowing(status), orderBy: { id: 'desc' } }),
    },
    { name: 'ShareableLinkConnection', description: 'A page of shareable links.' },
    { name: 'ShareableLinkEdge', description: 'One shareable link and its cursor.' },
  ),
);

const IssueShareableLinkInput = builder.inputType('IssueShareableLinkInput', {
  description: 'The options of the link dialog.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The admin selection to share.' }),
    lockItems: t.boolean({ description: 'Lock: the claimant can buy exactly these items and nothing else.' }),
    ignoreShipping: t.boolean({ defaultValue: false, description: 'Claimed copies pay no shipping.' }),
    ignoreTax: t.boolean({ defaultValue: false, description: 'Claimed copies pay no tax.' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'When the link stops working.' }),
    maxOrders: t.int({
      required: false,
      description: `At most this many orders from all claims of the link (1 to ${LIMITS.linkOrders.toLocaleString('en')}); with 1, a customer who opened it twice pays once. Left out: no limit, earlier claimants may still buy after the first order.`,
    }),
  }),
});

const RevokeShareableLinkInput = builder.inputType('RevokeShareableLinkInput', {
  description: 'The link to revoke.',
  fields: (t) => ({ linkId: t.id({ description: 'The link\'s id.' }) }),
});

const IssueShareableLinkSuccess = builder.objectRef<{ linkId: string; hash2: string; url: string }>('IssueShareableLinkSuccess').implement({
  description: 'The new link, with its secret half shown this once.',
  fields: (t) => ({
    link: t.prismaField({
      type: 'ShareableLink',
      description: 'The link.',
      resolve: (query, r) => db().shareableLink.findUniqueOrThrow({ ...query, where: { id: r.linkId } }),
    }),
    hash2: t.exposeString('hash2', { description: 'The secret half of the hash pair. Returned only here: only its digest is stored.' }),
    url: t.exposeString('url', { description: 'The payment_link static with %basket% and %hash% filled in.' }),
  }),
});

const RevokeShareableLinkSuccess = builder.objectRef<{ linkId: string }>('RevokeShareableLinkSuccess').implement({
  description: 'The link is revoked.',
  fields: (t) => ({
    link: t.prismaField({
      type: 'ShareableLink',
      description: 'The revoked link.',
      resolve: (query, r) => db().shareableLink.findUniqueOrThrow({ ...query, where: { id: r.linkId } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  issueShareableLink: t.field({
    ...adminOnly,
    type: IssueShareableLinkSuccess,
    description: 'Admin. Issues a one-time link to the selection; an ACTIVE link of the same selection is revoked.',
    errors: resultErrors('IssueShareableLink', [ValidationFailed, NotFound, Forbidden, SelectionStateFailed, ShippingUnavailable]),
    args: { input: t.arg({ type: IssueShareableLinkInput, description: 'The selection and the link options.' }) },
    resolve: (_root, { input }, ctx) => issueShareableLink(ctx.events, input, ctx.publicUrl),
  }),
  revokeShareableLink: t.field({
    ...adminOnly,
    type: RevokeShareableLinkSuccess,
    description: 'Admin. Revokes an ACTIVE link: new claims get LINK_REVOKED.',
    errors: resultErrors('RevokeShareableLink', [NotFound, Forbidden, LinkUnavailable]),
    args: { input: t.arg({ type: RevokeShareableLinkInput, description: 'The link.' }) },
    resolve: (_root, { input }, ctx) => revokeShareableLink(ctx.events, input),
  }),
}));
