import { redactQuery, redactUrl, SECRET_QUERY_PARAMS } from '../../src/secrets';

describe('redactQuery / redactUrl', () => {
  test.each(SECRET_QUERY_PARAMS.map((p) => [p]))('%s is redacted, whatever its case', (param) => {
    expect(redactQuery(`?${param}=s3cr3t&model=x`)).toBe(`?${param}=REDACTED&model=x`);
    expect(redactQuery(`${param.toUpperCase()}=s3cr3t`)).toBe(`${param.toUpperCase()}=REDACTED`);
  });

  test('other parameters and query-less strings come back as the same string', () => {
    const q = '?api-version=2024-10-21&alt=sse';
    expect(redactQuery(q)).toBe(q);
    expect(redactQuery('')).toBe('');
    expect(redactUrl('https://api.openai.com/v1/chat/completions')).toBe('https://api.openai.com/v1/chat/completions');
  });

  test('URL-encoded parameter names are recognised', () => {
    expect(redactQuery('api%2Dkey=s3cr3t')).toBe('api%2Dkey=REDACTED');
  });

  test('a URL keeps its path and fragment; userinfo is redacted', () => {
    expect(redactUrl('https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=AIza123&alt=sse#x')).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=REDACTED&alt=sse#x',
    );
    expect(redactUrl('https://user:pw@proxy.example/v1/chat/completions')).toBe('https://REDACTED:REDACTED@proxy.example/v1/chat/completions');
  });
});
