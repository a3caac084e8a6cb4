import { lineNote } from '../lines';
import type { NotedLine, Reader } from '../lines';
import { formatMoney } from '../money';

interface Props {
  item: NotedLine & { name: string; unitPrice: { amount: string; currency: string } };
  reader: Reader;
  /** The sentence of the last refused change to this line, if any, with the id controls point at. */
  problem?: string | null;
  problemId?: string;
}

/** The item cell of a selection line: its name, its note (lineNote), its unit price, and a refusal beside it. */
export function LineItem({ item, reader, problem, problemId }: Props) {
  return (
    <td className="item">
      <div className="name">{item.name}</div>
      <div className="sku">{lineNote(item, reader)}</div>
      <div className="unit">{formatMoney(item.unitPrice.amount, item.unitPrice.currency)} each</div>
      {problem ? <p id={problemId} role="alert" className="problem">{problem}</p> : null}
    </td>
  );
}
