// Package server is the operator HTTP API: job and partition status,
// manual runs (GET /api/v1/runs/{id} for the id POST returns, kept in
// memory until the daemon restarts), backfills, /healthz, Prometheus
// /metrics, and the read-only status page at / (page.go: server-rendered,
// embedded stylesheet, no script).
//
// Mutating calls need "Authorization: Bearer <token>" (401 without, 403
// when wrong; compared in constant time; the scheme is case-insensitive).
// When no token is configured they are refused unless the server listens
// on loopback only. Errors are JSON, {"error": "..."}, with a 4xx or 5xx
// status; a 500 never carries the error's text (it may name server paths),
// which goes to the log instead.
//
// Safe by default, since a browser on the operator's machine can reach a
// loopback listener:
//   - Host must be a loopback name (localhost, 127.0.0.1, [::1]) on a
//     loopback listener, or one of Options.AllowedHosts (421 otherwise):
//     DNS rebinding sends the attacker's name.
//   - Mutating calls from another origin (Origin or Sec-Fetch-Site say so)
//     are refused (403) unless Options.TrustedOrigins lists it; POSTs
//     need Content-Type: application/json (415), which a form or a simple
//     cross-site fetch cannot send; bodies are bounded (64 KiB).
//   - The listener bounds slow and idle clients: header 10s, read 30s,
//     write 60s, idle keep-alive 30s, headers 32 KiB.
//   - A burst of manual runs of one job starts the run and at most one
//     queued behind it; later requests answer 202 with the queued run's
//     id and "coalesced": true.
package server
