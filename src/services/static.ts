// Statics: named texts. payment_link is the template of shareable-link URLs.
import { db } from '../db/client.js';
import { ValidationFailed } from './errors.js';
import { checkCode, isWellFormed } from './validate.js';

export const PAYMENT_LINK = 'payment_link';
const MAX_CONTENT = 2_000;

export async function setStatic(input: { name: string; content: string }): Promise<{ name: string }> {
  const name = checkCode(input.name, ['input', 'name']);
  if (input.content.length > MAX_CONTENT) throw new ValidationFailed(`At most ${MAX_CONTENT} characters`, ['input', 'content']);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(input.content)) {
    throw new ValidationFailed('Control characters are not allowed', ['input', 'content']);
  }
  if (!isWellFormed(input.content)) throw new ValidationFailed('Not valid Unicode (a lone surrogate)', ['input', 'content']);
  if (name === PAYMENT_LINK) {
    if (!input.content.includes('%basket%') || !input.content.includes('%hash%')) {
      throw new ValidationFailed('The payment_link template must contain both %basket% and %hash%', ['input', 'content']);
    }
    if (!/^https?:\/\/[^\s]+$/.test(input.content)) {
      throw new ValidationFailed('The payment_link template must be an http(s) URL', ['input', 'content']);
    }
  }
  await db().static.upsert({ where: { name }, create: { name, content: input.content }, update: { content: input.content } });
  return { name };
}
