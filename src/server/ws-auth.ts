/**
 * The bearer value a graphql-ws subscribe message carries in `extensions.headers.authorization`
 * (GraphiQL puts its Headers tab there), matched case-insensitively as HTTP header names are.
 */
export function authorizationOfSubscribe(extensions: Record<string, unknown> | null | undefined) {
  const headers = extensions?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string' && value.trim() !== '')
      return value;
  }
  return undefined;
}
