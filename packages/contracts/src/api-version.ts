/**
 * The versions of the API, oldest first. A request names the one its integration was written
 * for in `Kassa-Version` (the SDK sends the one it was built against); without it, the request
 * gets the current one. An unknown version is a 400, never silently the current one: a typo
 * would otherwise pin nothing. Each answer says which version it was made with.
 */
export const API_VERSIONS = ['2026-12-01'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const CURRENT_API_VERSION: ApiVersion = API_VERSIONS[API_VERSIONS.length - 1] as ApiVersion;

export const isApiVersion = (value: string): value is ApiVersion =>
  (API_VERSIONS as readonly string[]).includes(value);
