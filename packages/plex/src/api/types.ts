import { z } from 'zod';

// Plex answers with a MediaContainer whose fields vary between server versions (numbers in one,
// strings in another), so the schemas accept both and keep unknown fields.
const idLike = z.union([z.string(), z.number()]).transform((value) => String(value));
const numberLike = z.union([z.number(), z.string()]).transform((value) => Number(value));

export const PlexIdentitySchema = z.looseObject({
  machineIdentifier: z.string().optional(),
  version: z.string().optional(),
  claimed: z.union([z.boolean(), z.string(), z.number()]).optional(),
});
export type PlexIdentity = z.infer<typeof PlexIdentitySchema>;

export const PlexSectionSchema = z.looseObject({
  key: idLike,
  title: z.string().default(''),
  type: z.string().default(''),
  agent: z.string().optional(),
  refreshing: z.union([z.boolean(), z.number()]).optional(),
});
export type PlexSection = z.infer<typeof PlexSectionSchema>;

export const PlexItemSchema = z.looseObject({
  ratingKey: idLike,
  key: z.string().optional(),
  guid: z.string().optional(),
  title: z.string().optional(),
  type: z.string().optional(),
  year: numberLike.optional(),
  updatedAt: numberLike.optional(),
  librarySectionID: idLike.optional(),
});
export type PlexItem = z.infer<typeof PlexItemSchema>;

export const PlexActivitySchema = z.looseObject({
  uuid: z.string().optional(),
  type: z.string().optional(),
  title: z.string().optional(),
  progress: numberLike.optional(),
  Context: z.looseObject({ key: z.string().optional(), librarySectionID: idLike.optional() }).optional(),
});
export type PlexActivity = z.infer<typeof PlexActivitySchema>;

export interface PlexPage<T> {
  items: T[];
  /** The section's total item count, when the server says it. */
  totalSize: number | undefined;
  offset: number;
}
