import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { decimalInput } from '../money';

const AddCustom = graphql(`
  mutation AdminAddCustomItem($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) {
      __typename
      ... on Error { code message }
      ... on ValidationError { path }
      ... on AddCustomSelectionItemSuccess { selection { id } item { id } }
    }
  }
`);

/** The form's fields, by the name of the input field the API's ValidationError.path ends with. */
type Field = 'name' | 'unitPrice' | 'quantity' | 'sku';
const FIELDS: readonly string[] = ['name', 'unitPrice', 'quantity', 'sku'] satisfies Field[];

/**
 * "Add a custom line": a line that is no catalog variant (an additional payment, a fee) with
 * its name, unit price, quantity, an optional reference and whether it is taxed. A refusal is
 * shown beside the field it is about.
 */
export function CustomLineForm(props: { selectionId: string; currency: string }) {
  const [state, addCustom] = useMutation(AddCustom);
  const [problems, setProblems] = useState<Partial<Record<Field | 'form', string>>>({});

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const unitPrice = decimalInput(text('unitPrice'));
    if (unitPrice === null) return setProblems({ unitPrice: `Enter an amount in ${props.currency}, such as 250.00.` });
    const result = await addCustom({
      input: {
        selectionId: props.selectionId,
        name: text('name'),
        unitPrice,
        quantity: Number(text('quantity') || 1),
        sku: text('sku') || null,
        taxable: data.get('taxable') === 'on',
      },
    });
    const answer = result.data?.addCustomSelectionItem;
    if (!result.error && answer?.__typename === 'AddCustomSelectionItemSuccess') {
      setProblems({});
      return form.reset();
    }
    const field = answer?.__typename === 'ValidationError' ? answer.path.at(-1) : undefined;
    const sentence = problemOf(Boolean(result.error), answer, UNREACHABLE.server);
    setProblems(field && FIELDS.includes(field) ? { [field]: sentence } : { form: sentence });
  };

  /** A field's refusal, right under it, and the attributes that tie the two together. */
  const problem = (field: Field) => problems[field]
    ? <p id={`custom-${field}-problem`} role="alert" className="problem">{problems[field]}</p>
    : null;
  const described = (field: Field) => problems[field]
    ? { 'aria-invalid': true, 'aria-describedby': `custom-${field}-problem` }
    : {};

  return (
    <form className="custom-line" onSubmit={submit} aria-label="Add a custom line">
      <h3>Add a custom line</h3>
      <label>
        Name
        <input name="name" required maxLength={200} placeholder="e.g. Express upgrade" {...described('name')} />
      </label>
      {problem('name')}
      <label>
        Unit price ({props.currency})
        <input name="unitPrice" required inputMode="decimal" placeholder="250.00" {...described('unitPrice')} />
      </label>
      {problem('unitPrice')}
      <label>
        Quantity
        <input name="quantity" type="number" min={1} max={10000} defaultValue={1} {...described('quantity')} />
      </label>
      {problem('quantity')}
      <label>
        Reference (optional)
        <input name="sku" maxLength={64} placeholder="e.g. EXPRESS" {...described('sku')} />
      </label>
      {problem('sku')}
      <label className="check"><input type="checkbox" name="taxable" defaultChecked /> Taxable</label>
      {problems.form ? <p role="alert" className="problem">{problems.form}</p> : null}
      <button type="submit" disabled={state.fetching}>Add custom line</button>
    </form>
  );
}
