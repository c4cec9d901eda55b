/** One page of a list, as the API answers it. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

interface Cursors {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

/** At most this many objects are collected by autoPagingToArray. */
const MAX_TO_ARRAY = 10_000;

/**
 * What `list()` returns: await it for the first page, or iterate it for every object across
 * pages, fetched one page at a time as the loop needs them:
 *
 *   const page = await kassa.paymentIntents.list({ limit: 10 });
 *   for await (const pi of kassa.paymentIntents.list({ limit: 100 })) { … }
 *
 * Pages go back in time (`starting_after` the last object); a list started with
 * `ending_before` goes forward instead (`ending_before` the first object).
 */
export class ListResult<T extends { id: string }, P extends Cursors>
  implements PromiseLike<ListPage<T>>, AsyncIterable<T>
{
  private first: Promise<ListPage<T>> | undefined;

  constructor(
    private readonly fetchPage: (params: P) => Promise<ListPage<T>>,
    private readonly params: P,
  ) {}

  private firstPage(): Promise<ListPage<T>> {
    this.first ??= this.fetchPage(this.params);
    return this.first;
  }

  // biome-ignore lint/suspicious/noThenProperty: a list result is awaited for its first page.
  then<R1 = ListPage<T>, R2 = never>(
    onFulfilled?: ((page: ListPage<T>) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.firstPage().then(onFulfilled, onRejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const backwards = this.params.ending_before !== undefined;
    let page = await this.firstPage();
    for (;;) {
      // Going forward (ending_before), each page is still newest first: walk it in reverse.
      const items = backwards ? [...page.data].reverse() : page.data;
      yield* items;
      if (!page.has_more || page.data.length === 0) return;
      const next: P = backwards
        ? { ...this.params, ending_before: page.data[0]?.id }
        : { ...this.params, starting_after: page.data[page.data.length - 1]?.id };
      page = await this.fetchPage(next);
    }
  }

  /** Every object across pages, up to `limit` (at most 10 000). */
  async autoPagingToArray(options: { limit: number }): Promise<T[]> {
    if (!Number.isInteger(options?.limit) || options.limit < 1 || options.limit > MAX_TO_ARRAY) {
      throw new RangeError(`autoPagingToArray({ limit }): limit is 1 to ${MAX_TO_ARRAY}`);
    }
    const out: T[] = [];
    for await (const item of this) {
      out.push(item);
      if (out.length >= options.limit) break;
    }
    return out;
  }
}
