-- Settlement pools belong to a tenant (issue 24 with 17): two business lines may both work with a network called
-- 'north', and each pays out of its own pool. Existing movements and withdrawals are the default tenant's, so a
-- single-tenant install sees no change; references and request ids are unique per tenant and network.
ALTER TABLE settlement_movement ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE settlement_movement DROP CONSTRAINT settlement_movement_network_kind_reference_key;
ALTER TABLE settlement_movement ADD UNIQUE (tenant_id, network, kind, reference);
DROP INDEX settlement_movement_period;
CREATE INDEX settlement_movement_period ON settlement_movement (tenant_id, network, period);

ALTER TABLE settlement_withdrawal ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE settlement_withdrawal DROP CONSTRAINT settlement_withdrawal_network_request_id_key;
ALTER TABLE settlement_withdrawal ADD UNIQUE (tenant_id, network, request_id);
