/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be stored as text, or null when it can. PostgreSQL refuses U+0000 in text and
 * JSON, and a lone UTF-16 surrogate is not Unicode at all (it cannot be encoded as UTF-8).
 */
export function textProblem(text: string): string | null {
  if (text.includes('\0')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it contains a lone UTF-16 surrogate)';
  return null;
}
