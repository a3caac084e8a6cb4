// The most values an operation's answer can hold, known before it runs: every list counts as
// many times as it can hold entries — a connection the page it asks for, a mutation's answer
// the entries of the input list it reports on, any other list the bound declared on its field
// (`extensions.items`, kept true by the services' limits). A
// nested list multiplies: a selection's 500 lines, each with a product's 200 variants, are
// 100,000 values. README "Security" has the budgets; limits.ts refuses what is over them.
import { Kind, getArgumentValues, getNamedType, getOperationAST, isListType, isNonNullType, isObjectType, isInterfaceType } from 'graphql';
import type {
  DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLField, GraphQLNamedType, GraphQLOutputType, GraphQLSchema,
  SelectionSetNode, ValueNode,
} from 'graphql';

/** A page's size when a connection field is given neither `first` nor `last`, and its largest. */
export const PAGE = { default: 20, max: 100 } as const;

/**
 * The bound of a list field, declared as `extensions: { items }` on the field: a number of
 * entries; 'page' for a connection's edges, which hold the page their connection asked for; or
 * for what a mutation reports on, the length of a list in the arguments of the field above it
 * (`argument`, a path such as ['input', 'products']), at most `max`.
 */
export type ItemsBound = number | 'page' | { argument: string[]; max: number };

/**
 * The arguments of the nearest field above that takes any, read when a bound needs them; null
 * when they cannot be read (the operation will be refused anyway).
 */
type Arguments = () => Record<string, unknown> | null;

/** What a list without a declared bound counts as; a test keeps every list declared. */
const UNDECLARED = 1_000;

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/** The bound a field declares, if it returns a list. */
export function itemsBound(field: GraphQLField<unknown, unknown>): ItemsBound | undefined {
  return field.extensions.items as ItemsBound | undefined;
}

/** An Int argument's value: written in the document, from a variable, or the argument's default. */
function intArgument(field: GraphQLField<unknown, unknown>, node: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const value: ValueNode | undefined = node.arguments?.find((arg) => arg.name.value === name)?.value;
  const given = value?.kind === Kind.INT ? Number(value.value) : value?.kind === Kind.VARIABLE ? variables[value.name.value] : undefined;
  if (typeof given === 'number' && Number.isFinite(given)) return Math.max(given, 0);
  const fallback = value === undefined ? field.args.find((arg) => arg.name === name)?.defaultValue : undefined;
  return typeof fallback === 'number' ? fallback : undefined;
}

/** Whether a field is a connection: it takes `first` and `last`. */
const isConnection = (field: GraphQLField<unknown, unknown>) =>
  field.args.some((arg) => arg.name === 'first') && field.args.some((arg) => arg.name === 'last');

/** The page a connection field returns: the larger of `first` and `last`, at most PAGE.max. */
function pageOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number {
  const sizes = ['first', 'last'].map((name) => intArgument(field, node, name, variables)).filter((size) => size !== undefined);
  return sizes.length === 0 ? PAGE.default : Math.min(Math.max(...sizes), PAGE.max);
}

/** The length of the list at `path` in the arguments (0 when it is not given), at most `max`. */
function argumentList(outer: Arguments, path: string[], max: number): number {
  let value: unknown = outer();
  if (value === null) return max;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? Math.min(value.length, max) : 0;
}

/** How many entries a list field answers at most: its bound, or fewer when a `first` argument asks for fewer. */
function entriesOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>, page: number, outer: Arguments): number {
  const bound = itemsBound(field);
  const declared = bound === 'page' ? page : typeof bound === 'object' ? argumentList(outer, bound.argument, bound.max) : (bound ?? UNDECLARED);
  const first = isConnection(field) ? undefined : intArgument(field, node, 'first', variables);
  return first === undefined ? declared : Math.min(first, declared);
}

/**
 * The most values the operation's answer can hold (each leaf, each object and each
 * `__typename` one value), or 0 for an operation the document does not have. Fragments count
 * wherever they are spread; the branches of an abstract type all count, as if every one
 * applied. Introspection (`__schema`, `__type`) is not counted: production refuses it.
 */
export function answerSize(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): number {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const argumentsOf = (field: GraphQLField<unknown, unknown>, node: FieldNode): Arguments => {
    let values: Record<string, unknown> | null | undefined;
    return () => {
      try {
        values ??= getArgumentValues(field, node, variables);
      } catch {
        values = null;
      }
      return values;
    };
  };
  // `spreading` guards against a fragment that spreads itself (validation refuses it, but
  // this may run on a document that did not pass).
  const sizeOf = (selectionSet: SelectionSetNode, type: GraphQLNamedType, page: number, outer: Arguments, spreading: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') total += 1;
        if (name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        const field = type.getFields()[name];
        if (!field) continue;
        const innerPage = isConnection(field) ? pageOf(field, selection, variables) : page;
        const inner = field.args.length > 0 ? argumentsOf(field, selection) : outer;
        const one = selection.selectionSet ? 1 + sizeOf(selection.selectionSet, getNamedType(field.type), innerPage, inner, spreading) : 1;
        total += (isList(field.type) ? entriesOf(field, selection, variables, page, outer) : 1) * one;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
        total += sizeOf(selection.selectionSet, condition ?? type, page, outer, spreading);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreading.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value) ?? type;
        total += sizeOf(fragment.selectionSet, condition, page, outer, new Set(spreading).add(fragment.name.value));
      }
    }
    return total;
  };
  return sizeOf(operation.selectionSet, root, PAGE.default, () => ({}), new Set());
}
