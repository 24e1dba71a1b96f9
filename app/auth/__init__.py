"""Who is calling: JWT verification (HS256 legacy secret or JWKS keys), roles, ownership."""
