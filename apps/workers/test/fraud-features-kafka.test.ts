import { fraudSuite } from './fraud-suite.ts';

// The fraud service's consumer on Kafka: the API relays the log to a topic of this file's own
// on the run's broker, and the service consumes it as the group `fraud`.
fraudSuite('kafka');
