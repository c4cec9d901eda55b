-- The acquirer's settlement report also has chargebacks (a dispute's amount withdrawn) and
-- chargeback reversals (a dispute won): the default rule matches them as it matches captures and
-- refunds (same payment, same kind, same currency, same amount). Only its description changes,
-- and only if the operator has not rewritten it.
UPDATE "reconciliation_rules"
   SET "description" = 'Same payment, same kind (capture, refund, chargeback or chargeback reversal), same currency, same amount'
 WHERE "id" = 'acquirer_exact'
   AND "description" = 'Same payment, same kind (capture or refund), same currency, same amount';
