import { settlementSuite } from './settlement-suite.ts';

// The settlement worker on the PostgreSQL log (the default bus).
settlementSuite('postgres');
