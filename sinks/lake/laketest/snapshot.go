package laketest

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Snapshot returns every object of l with its content, for tests that
// compare whole lakes. Keys starting with one of skip are left out (e.g.
// lease objects, which carry owners and times).
func Snapshot(t testing.TB, l lake.Lake, skip ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for o, err := range l.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(skip, func(p string) bool { return strings.HasPrefix(o.Key, p) }) {
			continue
		}
		b, err := lake.ReadAll(context.Background(), l, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(b)
	}
	return out
}

// Changed returns the keys added, removed or rewritten between two
// snapshots, sorted; none when the lakes are the same.
func Changed(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if w, ok := before[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// txnField matches the transaction id a commit record (and its view copy)
// carries.
var txnField = regexp.MustCompile(`"txn": "[^"]*"`)

// Converged is Snapshot for comparing a lake after a crash and a re-run
// with a clean run's: transaction ids are random per attempt, so outcome
// records (_tables/_txn/) are left out and the ids records carry are
// blanked. Everything else, the views, the logs' numbering and contents,
// and the data files, must match byte for byte.
func Converged(t testing.TB, l lake.Lake, skip ...string) map[string]string {
	t.Helper()
	out := Snapshot(t, l, append(skip, "_tables/_txn/")...)
	for k, v := range out {
		out[k] = txnField.ReplaceAllString(v, `"txn": "-"`)
	}
	return out
}
