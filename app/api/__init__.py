"""The HTTP API: app factory, routers, middleware, error envelope."""
