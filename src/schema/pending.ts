// Fields of the contract whose behaviour lands with a later issue: they exist so that the
// printed schema keeps the contract, and answer with a clear GraphQL error until then.
import { GraphQLError } from 'graphql';

export function notYet(field: string, issue: number): never {
  throw new GraphQLError(`${field} is not available yet (tracked in issue #${issue})`, {
    extensions: { code: 'NOT_IMPLEMENTED' },
  });
}
