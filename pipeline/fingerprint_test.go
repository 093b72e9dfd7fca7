package pipeline

import (
	"math"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
)

func TestFingerprint(t *testing.T) {
	a := schema.TradeFlowRecord{Period: 18352, Reporter: "US", Partner: "CN", Flow: "export", HSCode: "120190", HSLevel: 6, ValueUSD: 100,
		Source: "census", ReleaseID: "r1", SourceURI: "u1", SourceSHA256: "s1", IngestedAt: 1}
	b := a
	b.HSCode, b.ValueUSD = "870323", 5
	// a with other provenance only.
	a2 := a
	a2.ReleaseID, a2.SourceURI, a2.SourceSHA256, a2.IngestedAt = "r2", "u2", "s2", 2
	// a with another value.
	a3 := a
	a3.ValueUSD = 101
	rej := schema.QuarantineRecord{ReasonCode: "bad_value", RawCells: []string{"x"}, Row: 7, ReleaseID: "r1"}
	rej2 := rej
	rej2.Row, rej2.ReleaseID = 9, "r2"
	nan := math.NaN()
	bad := a
	bad.Quantity = &nan

	fp := func(recs ...any) string {
		var f fingerprint
		for _, r := range recs {
			f.add(r)
		}
		return f.hex()
	}
	base := fp(a, b, rej)
	for _, tc := range []struct {
		name string
		recs []any
		same bool
	}{
		{"same rows, other order", []any{rej, b, a}, true},
		{"other provenance and row number", []any{b, a2, rej2}, true},
		{"changed value", []any{a3, b, rej}, false},
		{"row removed", []any{a, b}, false},
		{"row repeated", []any{a, b, rej, b}, false},
		{"rejected row differs", []any{a, b, schema.QuarantineRecord{ReasonCode: "bad_date", RawCells: []string{"x"}}}, false},
	} {
		if got := fp(tc.recs...); (got == base) != tc.same {
			t.Errorf("%s: same = %v, want %v", tc.name, got == base, tc.same)
		}
	}
	if got := fp(a, bad); got != "" {
		t.Errorf("a NaN quantity must leave no fingerprint, got %s", got)
	}
	if got := fp(struct{}{}); got != "" {
		t.Errorf("an unknown record type must leave no fingerprint, got %s", got)
	}
}
