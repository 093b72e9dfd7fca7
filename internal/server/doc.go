// Package server is the operator HTTP API: job and partition status,
// manual runs, backfills, /healthz and Prometheus /metrics.
//
// Mutating calls need "Authorization: Bearer <token>" (401 without, 403
// when wrong; compared in constant time). When no token is configured they
// are refused unless the server listens on loopback only. Errors are JSON,
// {"error": "..."}, with a 4xx or 5xx status.
package server
