import { fraudSuite } from './fraud-suite.ts';

// The fraud service's consumer on the PostgreSQL log.
fraudSuite('postgres');
