package laketest

import (
	"context"
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
