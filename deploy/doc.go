// Package deploy holds the deployment files shipped with tradepipe and the
// tests that check them as shipped: the systemd unit (systemd-analyze
// verify), the Kubernetes manifests (decoded strictly into the Kubernetes
// API types, plus the properties an operator relies on; the backfill
// Indexed Job in kubernetes/backfill/ too: one pod per shard, retried per
// index), and the
// Dockerfile (checked statically; docker does not run in CI). It has no
// code of its own.
package deploy
