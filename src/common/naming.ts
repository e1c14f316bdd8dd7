import { INPUT_BOUNDS } from './input-bounds';

/** Lowercase, URL-safe slug from a display name: "Billing Portal (EU)" → "billing-portal-eu". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, INPUT_BOUNDS.slug - 4)
    .replace(/-+$/g, '');
  return slug || 'x';
}

/** `base`, or `base-2`, `base-3`…: the first slug not in `taken`. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
