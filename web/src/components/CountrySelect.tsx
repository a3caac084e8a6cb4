import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';

export const CountrySelectFragment = graphql(`
  fragment CountrySelect_selection on Selection {
    id
    countryCode
    availableCountries { code shippable }
    capabilities { canChangeCountry }
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

/**
 * The shipping country: a choice of the market's countries (those the API cannot ship to
 * disabled) when the API says it may change, else just the country, and whether the order can
 * be shipped there (when it cannot, "Place order" says to contact the shop).
 */
export function CountrySelect(props: { selection: FragmentType<typeof CountrySelectFragment> }) {
  const selection = useFragment(CountrySelectFragment, props.selection);
  const [state, setCountry] = useMutation(SetCountry);
  const [problem, setProblem] = useState('');

  const change = async (countryCode: string) => {
    const result = await setCountry({ input: { selectionId: selection.id, countryCode } });
    setProblem(problemOf(Boolean(result.error), result.data?.setShippingCountry, UNREACHABLE.shop));
  };

  const name = (code: string) => regionNames.of(code) ?? code;
  if (!selection.capabilities.canChangeCountry) {
    const shippable = selection.availableCountries.find((country) => country.code === selection.countryCode)?.shippable ?? true;
    return (
      <section className="country">
        <p>{shippable ? 'Ships to' : 'Cannot be shipped to'} <strong>{name(selection.countryCode)}</strong></p>
      </section>
    );
  }
  return (
    <section className="country">
      <label>
        Ship to
        <select value={selection.countryCode} disabled={state.fetching} onChange={(event) => void change(event.target.value)}>
          {selection.availableCountries.map((country) => (
            <option key={country.code} value={country.code} disabled={!country.shippable}>
              {name(country.code)}{country.shippable ? '' : ' (no delivery)'}
            </option>
          ))}
        </select>
      </label>
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
    </section>
  );
}
