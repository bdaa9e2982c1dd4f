// Outbound network rules: what an admin-aimed request (connectors, SP metadata) may reach, checked at connect time.
export { AddressPolicy, type AddressPolicyOptions } from './address-policy.js';
export { OutboundRefusedError, outboundRefusalOf, type OutboundRefusalCode } from './errors.js';
export { OutboundNetwork, outboundNetworkFor } from './outbound-network.js';
