// DateTime and Decimal. Malformed values are GraphQL validation errors; whether a decimal has
// too many fraction digits for a currency is the service's ValidationError.
import { GraphQLError, Kind } from 'graphql';
import { DECIMAL_PATTERN } from '../services/money.js';
import { builder } from './builder.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || value.length > 40 || !ISO_DATE_TIME.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time with a zone, e.g. "2026-11-28T18:00:00Z"');
  }
  const date = new Date(value);
  // Date rolls 2026-02-31 over into March; such a day does not exist.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  const exists = calendarDay.getUTCFullYear() === year && calendarDay.getUTCMonth() === month - 1 && calendarDay.getUTCDate() === day;
  if (Number.isNaN(date.getTime()) || !exists) throw new GraphQLError(`"${value}" is not a valid date-time`);
  return date;
}

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
    throw new GraphQLError('Decimal must be a string of digits with an optional "-" and "." fraction, e.g. "149.00"');
  }
  return value;
}

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time, always in UTC, e.g. "2026-11-28T18:00:00.000Z".',
  serialize: (date) => date.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

builder.scalarType('Decimal', {
  description:
    'A decimal number as a string, e.g. "149.00" or "0.5". Never a float: money is exact. Inputs with more fraction digits than the currency has are a ValidationError.',
  serialize: (value) => value,
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal must be a string, e.g. "149.00", never a number');
    return parseDecimal(ast.value);
  },
});
