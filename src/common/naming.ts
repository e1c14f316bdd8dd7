import { applyDecorators } from './decorators';
import { Matches, MaxLength, MinLength } from 'class-validator';

/** Identifiers, slugs and zone ids: the naming rules every feature shares. */
export const NAME_LIMITS = { identifier: 128, slug: 64, name: 200, description: 2000, zoneId: 64 } as const;
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Printable ASCII without whitespace. */
export const IDENTIFIER_PATTERN = /^[\x21-\x7e]+$/;

/** Lowercase, URL-safe slug from a display name: "Billing Portal (EU)" → "billing-portal-eu". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, NAME_LIMITS.slug - 4)
    .replace(/-+$/g, '');
  return slug || 'x';
}

/** `base`, or `base-2`, `base-3`…: the first slug not in `taken`. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export const IsSlug = () =>
  applyDecorators(MaxLength(NAME_LIMITS.slug), Matches(SLUG_PATTERN, { message: 'must be lowercase letters, digits and single hyphens' }));

export const IsIdentifier = (max: number = NAME_LIMITS.identifier) =>
  applyDecorators(MinLength(1), MaxLength(max), Matches(IDENTIFIER_PATTERN, { message: 'must be printable characters without whitespace' }));
