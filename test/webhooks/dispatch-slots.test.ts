/** The dispatcher's slot bookkeeping, apart from HTTP and the database. */
import { DispatchSlots } from '../../src/webhooks/dispatch-slots.js';

const a1 = { endpointId: 'a1', tenantId: 'a' };
const a2 = { endpointId: 'a2', tenantId: 'a' };
const a3 = { endpointId: 'a3', tenantId: 'a' };
const b1 = { endpointId: 'b1', tenantId: 'b' };

test('an endpoint holds at most its bound, a tenant at most its share, all of them at most the total', () => {
  const slots = new DispatchSlots({ total: 5, perEndpoint: 2, perTenant: 3 });
  slots.take(a1);
  slots.take(a1);
  expect(slots.hasRoom(a1)).toBe(false);
  expect(slots.fullEndpoints()).toEqual(['a1']);
  expect(slots.hasRoom(a2)).toBe(true);
  slots.take(a2);
  // Tenant a is at its share: none of its endpoints may take more, whatever their own room.
  expect(slots.fullTenants()).toEqual(['a']);
  expect(slots.hasRoom(a3)).toBe(false);
  expect(slots.hasRoom(b1)).toBe(true);
  slots.take(b1);
  slots.take(b1);
  expect(slots.used).toBe(5);
  expect(slots.free).toBe(0);
  expect(slots.hasRoom({ endpointId: 'c1', tenantId: 'c' })).toBe(false);

  slots.release(a1);
  expect(slots.fullEndpoints()).toEqual(['b1']);
  expect(slots.fullTenants()).toEqual([]);
  expect(slots.hasRoom(a3)).toBe(true);
  expect(slots.free).toBe(1);
});

test('releasing what was never taken leaves nothing negative', () => {
  const slots = new DispatchSlots({ total: 2, perEndpoint: 1, perTenant: 2 });
  slots.release(a1);
  expect(slots.used).toBe(0);
  slots.take(a1);
  expect(slots.hasRoom(a1)).toBe(false);
});

test('limits below 1 are refused', () => {
  expect(() => new DispatchSlots({ total: 1, perEndpoint: 0, perTenant: 1 })).toThrow(/perEndpoint must be >= 1/);
  expect(() => new DispatchSlots({ total: 1, perEndpoint: 1, perTenant: 0.5 })).toThrow(/perTenant must be >= 1/);
});
