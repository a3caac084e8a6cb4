import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';

export const CountrySelectFragment = graphql(`
  fragment CountrySelect_selection on Selection {
    id
    status
    countryCode
    availableCountries { code shippable }
  }
`);

const SetCountry = graphql(`
  mutation CheckoutSetCountry($input: SetShippingCountryInput!) {
    setShippingCountry(input: $input) {
      __typename
      ... on Error { code message }
      ... on ShippingUnavailableError { countryCode }
      ... on SetShippingCountrySuccess { selection { id countryCode } }
    }
  }
`);

const regionNames = new Intl.DisplayNames(undefined, { type: 'region' });

/** The shipping country: the market's countries, those the API says it cannot ship to disabled. */
export function CountrySelect(props: { selection: FragmentType<typeof CountrySelectFragment> }) {
  const selection = useFragment(CountrySelectFragment, props.selection);
  const [state, setCountry] = useMutation(SetCountry);
  const [problem, setProblem] = useState('');

  const change = async (countryCode: string) => {
    const result = await setCountry({ input: { selectionId: selection.id, countryCode } });
    setProblem(problemOf(Boolean(result.error), result.data?.setShippingCountry, UNREACHABLE.shop));
  };

  return (
    <section className="country">
      <label>
        Ship to
        <select value={selection.countryCode} disabled={selection.status !== 'OPEN' || state.fetching} onChange={(event) => void change(event.target.value)}>
          {selection.availableCountries.map((country) => (
            <option key={country.code} value={country.code} disabled={!country.shippable}>
              {regionNames.of(country.code) ?? country.code}{country.shippable ? '' : ' (no delivery)'}
            </option>
          ))}
        </select>
      </label>
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
    </section>
  );
}
