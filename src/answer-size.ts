// The most values an operation's answer can hold, known before it runs: every list counts as
// many times as it can hold entries — a connection the page it asks for, a mutation's answer
// the entries of the input list it reports on, any other list the bound declared on its field
// (`extensions.items`, kept true by the services' limits). A nested list multiplies: a
// selection's 500 lines, each with a product's 200 variants, are 100,000 values. README
// "Security" has the budgets; limits.ts refuses what is over them.
import {
  Kind, getArgumentValues, getNamedType, getOperationAST, getVariableValues, isInterfaceType, isListType, isNonNullType,
  isObjectType,
} from 'graphql';
import type {
  DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLField, GraphQLNamedType, GraphQLOutputType, GraphQLSchema,
  SelectionSetNode,
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

/** The bound a field declares, if it returns a list. */
export function itemsBound(field: GraphQLField<unknown, unknown>): ItemsBound | undefined {
  return field.extensions.items as ItemsBound | undefined;
}

type Field = GraphQLField<unknown, unknown>;

/**
 * A field's arguments as the resolver will get them (variables coerced, defaults applied), read
 * when a bound needs them; null when they cannot be read (execution will refuse them).
 */
type Arguments = () => Record<string, unknown> | null;

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/** Whether a field is a connection: it takes `first` and `last`. */
const isConnection = (field: Field) => field.args.some((arg) => arg.name === 'first') && field.args.some((arg) => arg.name === 'last');

/** A page size given as an argument: a finite number, at least 0. */
function sizeArgument(args: Record<string, unknown> | null, name: string): number | undefined {
  const value = args?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(value, 0) : undefined;
}

/** The page a connection field returns: the larger of `first` and `last`, at most PAGE.max. */
function pageOf(args: Record<string, unknown> | null): number {
  if (args === null) return PAGE.max;
  const sizes = [sizeArgument(args, 'first'), sizeArgument(args, 'last')].filter((size) => size !== undefined);
  return sizes.length === 0 ? PAGE.default : Math.min(Math.max(...sizes), PAGE.max);
}

/** The length of the list at `path` in the arguments (0 when it is not given), at most `max`. */
function argumentList(args: Record<string, unknown> | null, path: string[], max: number): number {
  if (args === null) return max;
  let value: unknown = args;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? Math.min(value.length, max) : 0;
}

/**
 * How many entries a list field answers at most: its declared bound, or fewer when its `first`
 * asks for fewer. A list without a declared bound has no bound: it is refused (a test keeps
 * every list declared).
 */
function entriesOf(field: Field, args: Arguments, outer: Arguments, page: number): number {
  const bound = itemsBound(field);
  const declared = bound === 'page' ? page : typeof bound === 'object' ? argumentList(outer(), bound.argument, bound.max) : (bound ?? Infinity);
  const first = isConnection(field) || !field.args.some((arg) => arg.name === 'first') ? undefined : sizeArgument(args(), 'first');
  return first === undefined ? declared : Math.min(first, declared);
}

/**
 * The most values the operation's answer can hold (each leaf, each object and each
 * `__typename` one value), given the variables as the client sent them; 0 for an operation the
 * document does not have or variables that do not fit it (execution refuses both, running
 * nothing). Fragments count wherever they are spread, aliases each; the branches of an abstract
 * type all count, as if every one applied. Introspection (`__schema`, `__type`) is not counted:
 * production refuses it.
 */
export function answerSize(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): number {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  // As execution will see them: defaults applied, a single value where a list is expected made a list.
  const { coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (!coerced) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const argumentsOf = (field: Field, node: FieldNode): Arguments => {
    let values: Record<string, unknown> | null | undefined;
    return () => {
      try {
        values ??= getArgumentValues(field, node, coerced);
      } catch {
        values = null;
      }
      return values;
    };
  };

  // `outer`: the arguments of the nearest field above that takes any. `spreading` guards
  // against a fragment that spreads itself (validation refuses it; this need not rely on that).
  const sizeOf = (selectionSet: SelectionSetNode, type: GraphQLNamedType, page: number, outer: Arguments, spreading: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') total += 1;
        if (name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        const field = type.getFields()[name];
        if (!field) continue;
        const args = field.args.length > 0 ? argumentsOf(field, selection) : outer;
        const innerPage = isConnection(field) ? pageOf(args()) : page;
        const one = selection.selectionSet ? 1 + sizeOf(selection.selectionSet, getNamedType(field.type), innerPage, args, spreading) : 1;
        total += (isList(field.type) ? entriesOf(field, args, outer, page) : 1) * one;
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
