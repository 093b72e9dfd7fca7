// Package server is the operator HTTP API: job and partition status,
// manual runs (GET /api/v1/runs/{id} for the id POST returns, kept in
// memory until the daemon restarts), backfills, /healthz, Prometheus
// /metrics, and the read-only status page at / (page.go: server-rendered,
// embedded stylesheet, no script).
//
// Mutating calls need "Authorization: Bearer <token>" (401 without, 403
// when wrong; compared in constant time). When no token is configured they
// are refused unless the server listens on loopback only. Errors are JSON,
// {"error": "..."}, with a 4xx or 5xx status.
package server
