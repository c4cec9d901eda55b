import { parseVaultKeys, Vault } from '@kassa/vault';

// The secrets every test process runs with: fixed, so one process can open what another sealed.

/** The KASSA_SECRET_KEY API tests run with. */
export const TEST_SECRET_KEY = 'test-secret-key-for-kassa-api-tests-0123456789';

/** The vault keys API tests run with (fixed, so a test can open what another process sealed). */
export const TEST_VAULT_KEYS = 'ktest:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
export const TEST_VAULT_FINGERPRINT_KEY = 'fingerprint-key-for-kassa-api-tests-0123456789';

/** The NEXTAUTH_SECRET API tests run with (dashboard session cookies). */
export const TEST_SESSION_SECRET = 'session-secret-for-kassa-api-tests-0123456789';

export const TEST_ACQUIRER_KEY = 'acquirer-key-for-kassa-api-tests-0123456789';

/** A vault with the test keys: what the test processes seal, a test can open (and vice versa). */
export function testVault(): Vault {
  return new Vault(parseVaultKeys(TEST_VAULT_KEYS, TEST_VAULT_FINGERPRINT_KEY));
}

/** The secret the API presents to the fraud service in tests. */
export const TEST_FRAUD_KEY = 'test-fraud-service-key-000000000000000000000000';
