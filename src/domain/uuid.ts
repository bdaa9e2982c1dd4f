// Ids of users, groups, identity providers and user stores are UUIDs. A value that is not one is answered as "not
// found" before it reaches SQL, where a `::uuid` cast would fail the statement instead.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its usual text form (any case). */
export const isUuid = (value: string): boolean => UUID.test(value);
