import { ArrayMaxSize, Matches, MaxLength, MinLength } from 'class-validator';
import { applyDecorators } from './decorators';

/**
 * The bounds every feature's input shares, and the decorators that apply them: the one place
 * to read or change "a URI is at most 2048 characters". A bound only one input field has
 * (a client's token lifetimes, a provider's JSON pointer) stays next to that field.
 *
 * A failed bound reads the same everywhere: class-validator's message, at the field's path,
 * with the code of its constraint (TOO_LONG, TOO_SHORT, TOO_MANY_ITEMS: common/validation.ts).
 */
export const INPUT_BOUNDS = {
  uri: 2048,
  uriList: 100,
  idempotencyKey: 200,
  name: 200,
  description: 2000,
  identifier: 128,
  slug: 64,
  zoneId: 64,
  search: 200,
} as const;

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Printable ASCII without whitespace. */
export const IDENTIFIER_PATTERN = /^[\x21-\x7e]+$/;

// applyDecorators registers in the order given, the reverse of the same decorators stacked
// above a property; each list below keeps the order the fields had when they were stacked,
// so the problems of one field are reported in the same order.

/** A URI field (what makes it a valid URI is the URI rules' part: common/uris.ts). */
export const UriBound = () => MaxLength(INPUT_BOUNDS.uri);

/** A list of URIs. */
export const UriListBound = () => applyDecorators(MaxLength(INPUT_BOUNDS.uri, { each: true }), ArrayMaxSize(INPUT_BOUNDS.uriList));

/** `idempotencyKey` of a create. */
export const IdempotencyKeyBound = () => MaxLength(INPUT_BOUNDS.idempotencyKey);

/** A display name: not empty. */
export const NameBound = () => applyDecorators(MaxLength(INPUT_BOUNDS.name), MinLength(1));

export const DescriptionBound = () => MaxLength(INPUT_BOUNDS.description);

export const IsSlug = () =>
  applyDecorators(MaxLength(INPUT_BOUNDS.slug), Matches(SLUG_PATTERN, { message: 'must be lowercase letters, digits and single hyphens' }));

export const IsIdentifier = (max: number = INPUT_BOUNDS.identifier) =>
  applyDecorators(MinLength(1), MaxLength(max), Matches(IDENTIFIER_PATTERN, { message: 'must be printable characters without whitespace' }));
