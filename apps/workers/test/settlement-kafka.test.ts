import { settlementSuite } from './settlement-suite.ts';

// The settlement worker on Kafka: the API relays the log to a topic of this file's own on the
// run's broker, and the worker consumes it as the group `settlement`.
settlementSuite('kafka');
