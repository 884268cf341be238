import { contextAttributes, contextFromBaggage, contextFromHeaders, mergeContexts, userIdHasher } from '../../src/attribution';

describe('attribution', () => {
  test('mergeContexts: each field from the first source that has it; metadata merged key by key', () => {
    expect(mergeContexts({ userId: 'api' }, { userId: 'header', sessionId: 'h-session' }, undefined, { isTrial: true, sessionId: 'body' })).toEqual({ userId: 'api', sessionId: 'h-session', isTrial: true });
    expect(mergeContexts({ metadata: { a: 1 } }, { metadata: { a: 2, b: 'x' } })).toEqual({ metadata: { a: 1, b: 'x' } });
    expect(mergeContexts()).toEqual({});
  });

  test('headers: only the configured names, case-insensitively; blank values ignored; plan words', () => {
    const headers = { 'x-user-id': ' alice ', 'x-session-id': '', 'x-plan': 'trial', 'x-other': 'bob' };
    expect(contextFromHeaders(headers, {})).toEqual({});
    expect(contextFromHeaders(headers, { userId: 'X-User-Id', sessionId: 'x-session-id', trial: 'x-plan' })).toEqual({ userId: 'alice', isTrial: true });
    expect(contextFromHeaders({ 'x-plan': 'paid' }, { trial: 'x-plan' })).toEqual({ isTrial: false });
    expect(contextFromHeaders({ 'x-plan': 'maybe' }, { trial: 'x-plan' })).toEqual({});
  });

  test('baggage: W3C members with properties and percent-encoding; unknown keys ignored', () => {
    expect(contextFromBaggage('user.id=al%20ice;prop=1, session.id=s-1,other=x,user.is_trial=true')).toEqual({ userId: 'al ice', sessionId: 's-1', isTrial: true });
    expect(contextFromBaggage(['user.id=a', 'session.id=b'])).toEqual({ userId: 'a', sessionId: 'b' });
    expect(contextFromBaggage(undefined)).toEqual({});
    expect(contextFromBaggage('garbage,=,user.id=%E0%A4%A')).toEqual({ userId: '%E0%A4%A' });
  });

  test('contextAttributes: user.id (hashed when asked), session.id, plan and metadata as braintrust.metadata.*', () => {
    const hash = userIdHasher('secret-key');
    expect(contextAttributes({ userId: 'alice', sessionId: 's', isTrial: false, metadata: { tier: 'gold', n: 2, bad: Number.NaN } }, hash)).toEqual({
      'user.id': hash('alice'),
      'session.id': 's',
      'braintrust.metadata.is_trial': false,
      'braintrust.metadata.tier': 'gold',
      'braintrust.metadata.n': 2,
    });
  });

  test('userIdHasher: stable per key and id, different across keys, never the id itself; no key: as is', () => {
    const a = userIdHasher('k1');
    expect(a('alice')).toBe(a('alice'));
    expect(a('alice')).toMatch(/^u_[0-9a-f]{32}$/);
    expect(a('alice')).not.toBe(userIdHasher('k2')('alice'));
    expect(a('alice')).not.toContain('alice');
    expect(userIdHasher(undefined)('alice')).toBe('alice');
  });
});
