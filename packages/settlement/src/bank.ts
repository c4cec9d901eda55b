import { z } from 'zod';

/** A transfer as the bank describes it (apps/acquirer-sim/src/bank.ts), parsed, never cast. */
export const bankTransferSchema = z.object({
  id: z.string().min(1),
  reference: z.string(),
  amount: z.number().int().positive(),
  currency: z.string().length(3),
  status: z.enum(['pending', 'paid', 'failed']),
  failure_code: z.string().nullable(),
});
export type BankTransfer = z.infer<typeof bankTransferSchema>;

/**
 * The bank did not give an answer Kassa can act on. `retryable`: the transfer may or may not
 * have been made (no answer, a 5xx, a timeout); a retry with the same Idempotency-Key finds out.
 * Otherwise the bank refused the request itself (a 4xx): sending it again would fail again.
 */
export class BankError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: string,
  ) {
    super(message);
    this.name = 'BankError';
  }
}

export interface BankClient {
  /** Sends money to an account. Idempotent by `idempotencyKey`: a retry returns the first transfer. */
  createTransfer(
    input: {
      amount: bigint;
      currency: string;
      reference: string;
      account: { accountNumber: string; routingNumber: string | null; holderName: string };
    },
    idempotencyKey: string,
  ): Promise<BankTransfer>;
  retrieveTransfer(id: string): Promise<BankTransfer>;
  /** The account's statement of one day, as the bank's CSV file. */
  statement(day: string): Promise<string>;
}

/** The bank over HTTP (the simulator in test mode), with a timeout on every call. */
export class HttpBankClient implements BankClient {
  constructor(private readonly options: { url: string; apiKey: string; timeoutMs?: number }) {}

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.options.url.replace(/\/$/, '')}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.options.apiKey}`, ...init.headers },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new BankError(
        `The bank did not answer: ${(error as Error).message}`,
        true,
        'no_answer',
      );
    }
    if (response.status >= 500 || response.status === 409 || response.status === 429) {
      throw new BankError(`The bank answered ${response.status}.`, true, `http_${response.status}`);
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as {
        error?: { code?: string; message?: string };
      };
      throw new BankError(
        body.error?.message ?? `The bank refused the request (${response.status}).`,
        false,
        body.error?.code ?? `http_${response.status}`,
      );
    }
    return response;
  }

  async createTransfer(
    input: Parameters<BankClient['createTransfer']>[0],
    idempotencyKey: string,
  ): Promise<BankTransfer> {
    const response = await this.call('/bank/v1/transfers', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify({
        amount: Number(input.amount),
        currency: input.currency,
        reference: input.reference,
        account: {
          account_number: input.account.accountNumber,
          routing_number: input.account.routingNumber,
          holder_name: input.account.holderName,
        },
      }),
    });
    return bankTransferSchema.parse(await response.json());
  }

  async retrieveTransfer(id: string): Promise<BankTransfer> {
    const response = await this.call(`/bank/v1/transfers/${encodeURIComponent(id)}`);
    return bankTransferSchema.parse(await response.json());
  }

  async statement(day: string): Promise<string> {
    return (await this.call(`/bank/v1/statements/${day}`)).text();
  }
}
