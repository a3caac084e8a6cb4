// GraphQL documents more than one test file sends, and the fragments they compose from. A
// test file keeps a document of its own only where its difference is what the test is about.
import { graphql } from '../gql/index.js';

export const ImportCatalog = graphql(`
  mutation TestImportCatalog($input: ImportCatalogInput!) {
    importCatalog(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ImportCatalogSuccess {
        markets { code countries warehouses { code } }
        pricelists { code currency }
        warehouses { code name }
        products { code name variants { sku name } }
      }
    }
  }
`);

export const CreateSelection = graphql(`
  mutation TestCreateSelection($input: CreateSelectionInput!) {
    createSelection(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ShippingUnavailableError { countryCode }
      ... on CreateSelectionSuccess { selection { id currency countryCode status customer { email } } }
    }
  }
`);

export const AddItem = graphql(`
  mutation TestAddItem($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) {
      __typename
      ... on Error { message code }
      ... on AddSelectionItemSuccess { item { id } }
    }
  }
`);

export const IssueLink = graphql(`
  mutation TestIssueLink($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ShippingUnavailableError { countryCode }
      ... on IssueShareableLinkSuccess { hash2 url link { id hash1 status lockItems ignoreShipping ignoreTax expiresAt } }
    }
  }
`);

/** What a claimant's storefront does at checkout: attach the buyer, place the order. */
export const Checkout = graphql(`
  mutation TestCheckout($selectionId: ID!, $key: String!, $email: String! = "buyer@example.com") {
    setCustomer(input: { selectionId: $selectionId, email: $email }) {
      __typename
      ... on Error { message code }
    }
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) {
      __typename
      ... on Error { message code }
      ... on PlaceOrderSuccess { order { id number } }
    }
  }
`);

export const Claim = graphql(`
  mutation TestClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on RateLimitedError { retryAfterSeconds }
      ... on ClaimSelectionSuccess { sessionToken claim { id } selection { id items { id } } }
    }
  }
`);

export const RemoveItem = graphql(`
  mutation TestRemoveItem($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) {
      __typename
      ... on Error { message code }
      ... on RemoveSelectionItemSuccess { selection { id } }
    }
  }
`);
