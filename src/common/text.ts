/**
 * The text every string the API takes must be made of. PostgreSQL refuses NUL in text and
 * jsonb (an internal error), lone surrogates are silently stored as U+FFFD (two different
 * values become one), and control characters in names, ids and URIs make a value read
 * differently from how it is stored or compared. Free text may hold tab and line breaks.
 */
// C0 controls, DEL and C1 controls; lone surrogates separately (the `u` flag makes them matchable).
// Matching control characters is the point of these two expressions.
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
/* eslint-enable no-control-regex */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why a string cannot be accepted, or null; `freeText` allows tab and line breaks. */
export function textProblem(value: string, freeText = false): string | null {
  if ((freeText ? CONTROL_BUT_LAYOUT : CONTROL).test(value)) {
    return freeText ? 'must not contain control characters other than tab and line breaks' : 'must not contain control characters';
  }
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  return null;
}
