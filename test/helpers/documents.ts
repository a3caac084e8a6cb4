// GraphQL documents more than one test file sends, one per operation, and the fragment their
// answers share. A test file keeps a document of its own only where its difference (a
// selection set, an alias, a literal) is what the test is about.
import { graphql } from '../gql/index.js';

// Every refusal's type, code and message, and which input field a ValidationError names.
graphql(`
  fragment TestFailure on Error { __typename message code ... on ValidationError { path } }
`);

graphql(`
  fragment TestTotals on SelectionTotals { subtotal { amount currency } shipping { amount currency } tax { amount currency } grandTotal { amount currency } }
`);

export const ImportCatalog = graphql(`
  mutation TestImportCatalog($input: ImportCatalogInput!) {
    importCatalog(input: $input) { __typename ...TestFailure ... on ImportCatalogSuccess {
      markets { code countries warehouses { code } } pricelists { code currency } warehouses { code name } products { code name variants { sku name } } } }
  }
`);

/** What a claimant's storefront does at checkout: attach the buyer, place the order. */
export const Checkout = graphql(`
  mutation TestCheckout($selectionId: ID!, $key: String!, $email: String! = "buyer@example.com") {
    setCustomer(input: { selectionId: $selectionId, email: $email }) { __typename ...TestFailure }
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) { __typename ...TestFailure ... on PlaceOrderSuccess { order { id number } } }
  }
`);

export const CreateSelection = graphql(`
  mutation TestCreateSelection($input: CreateSelectionInput!) {
    createSelection(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode }
      ... on CreateSelectionSuccess { selection { id currency countryCode status customer { email } } } }
  }
`);

export const AddItem = graphql(`
  mutation TestAddItem($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ...TestFailure ... on AddSelectionItemSuccess { item { id quantity } } }
  }
`);

export const UpdateItem = graphql(`
  mutation TestUpdateItem($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ...TestFailure ... on UpdateSelectionItemSuccess { item { id quantity } } }
  }
`);

export const RemoveItem = graphql(`
  mutation TestRemoveItem($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) { __typename ...TestFailure ... on RemoveSelectionItemSuccess { selection { id } } }
  }
`);

export const SetCountry = graphql(`
  mutation TestSetCountry($input: SetShippingCountryInput!) {
    setShippingCountry(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode }
      ... on SetShippingCountrySuccess { selection { id countryCode } } }
  }
`);

export const SetCustomer = graphql(`
  mutation TestSetCustomer($input: SetCustomerInput!) {
    setCustomer(input: $input) { __typename ...TestFailure ... on SetCustomerSuccess { selection { id customer { email firstName lastName } } } }
  }
`);

export const SetStock = graphql(`
  mutation TestSetStock($input: SetStockInput!) {
    setStock(input: $input) { __typename ...TestFailure ... on SetStockSuccess { sku quantity } }
  }
`);

export const SetStatic = graphql(`
  mutation TestSetStatic($input: SetStaticInput!) {
    setStatic(input: $input) { __typename ...TestFailure ... on SetStaticSuccess { static { name content } } }
  }
`);

export const IssueLink = graphql(`
  mutation TestIssueLink($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode }
      ... on IssueShareableLinkSuccess { hash2 url link { id hash1 status lockItems ignoreShipping ignoreTax expiresAt } } }
  }
`);

export const RevokeLink = graphql(`
  mutation TestRevokeLink($input: RevokeShareableLinkInput!) {
    revokeShareableLink(input: $input) { __typename ...TestFailure ... on RevokeShareableLinkSuccess { link { id status } } }
  }
`);

export const Claim = graphql(`
  mutation TestClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) { __typename ...TestFailure ... on RateLimitedError { retryAfterSeconds }
      ... on ClaimSelectionSuccess { sessionToken claim { id } selection { id items { id } } } }
  }
`);

export const PlaceOrder = graphql(`
  mutation TestPlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) { __typename ...TestFailure ... on OutOfStockError { shortages { sku requested available } }
      ... on PlaceOrderSuccess { order { id number status } } }
  }
`);
