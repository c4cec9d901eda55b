import { stringify } from 'csv-stringify/sync';

/**
 * A list as CSV, page after page: the header, then each page's rows as one chunk, until a page
 * says there is no more. `page` gets the id of the last item so far (undefined for the first
 * page). Only one page is ever in memory, whatever the list's length: the caller streams the
 * chunks as they come.
 */
export async function* pagedCsv<Item extends { id: string }>(
  header: readonly string[],
  page: (after: string | undefined) => Promise<{ data: Item[]; has_more: boolean }>,
  row: (item: Item) => unknown[],
): AsyncGenerator<string> {
  yield stringify([[...header]]);
  let after: string | undefined;
  for (;;) {
    const { data, has_more } = await page(after);
    if (data.length === 0) return;
    yield stringify(data.map(row));
    if (!has_more) return;
    after = data.at(-1)?.id;
  }
}
