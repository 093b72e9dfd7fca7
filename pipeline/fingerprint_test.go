package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
	"github.com/tradepipe/tradepipe/sources/census"
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

// flowEnc must give json.Marshal's bytes exactly, or the fingerprints of
// published partitions would change and every partition be re-published
// once: for each row alone, and for the rows one after another through one
// encoder, whose kept runs must follow every change.
func TestAppendTradeFlowIsJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(f float64) *float64 { return &f }
	base := schema.TradeFlowRecord{Period: 18352, Reporter: "US", Partner: "CN", Flow: "export", HSCode: "120190", HSLevel: 6,
		ValueUSD: 12345678, Valuation: "FAS", CoversMonths: 1, Source: "census", ReleaseID: "r", SourceURI: "file:///x", SourceSHA256: "ab", IngestedAt: -7}
	var shared flowEnc
	for _, tc := range []struct {
		name string
		edit func(*schema.TradeFlowRecord)
	}{
		{"plain", func(*schema.TradeFlowRecord) {}},
		{"description and unit", func(r *schema.TradeFlowRecord) { r.Description, r.QuantityUnit = str("SOYBEANS"), str("KG") }},
		{"html and quotes", func(r *schema.TradeFlowRecord) { r.Description = str(`<a href="x">&'\`) }},
		{"control and unicode", func(r *schema.TradeFlowRecord) { r.Description = str("a\tb\nc\x01\x7f é \u2028 \u2029 中") }},
		{"invalid utf-8", func(r *schema.TradeFlowRecord) { r.Description = str("a\xffb\xc3") }},
		{"empty strings", func(r *schema.TradeFlowRecord) { r.Description, r.HSCode, r.Flow = str(""), "", "" }},
		{"quantity integer", func(r *schema.TradeFlowRecord) { r.Quantity = num(42) }},
		{"quantity zero", func(r *schema.TradeFlowRecord) { r.Quantity = num(0) }},
		{"quantity negative zero", func(r *schema.TradeFlowRecord) { r.Quantity = num(math.Copysign(0, -1)) }},
		{"quantity negative integer", func(r *schema.TradeFlowRecord) { r.Quantity = num(-7) }},
		{"quantity 2^53-1", func(r *schema.TradeFlowRecord) { r.Quantity = num(1<<53 - 1) }},
		{"quantity 2^53", func(r *schema.TradeFlowRecord) { r.Quantity = num(1 << 53) }},
		{"quantity 2^60", func(r *schema.TradeFlowRecord) { r.Quantity = num(1 << 60) }},
		{"quantity -2^53+1", func(r *schema.TradeFlowRecord) { r.Quantity = num(-(1<<53 - 1)) }},
		{"quantity 1e15", func(r *schema.TradeFlowRecord) { r.Quantity = num(1e15) }},
		{"quantity fraction", func(r *schema.TradeFlowRecord) { r.Quantity = num(0.1) }},
		{"quantity tiny", func(r *schema.TradeFlowRecord) { r.Quantity = num(1.5e-9) }},
		{"quantity 1e-6", func(r *schema.TradeFlowRecord) { r.Quantity = num(1e-6) }},
		{"quantity huge", func(r *schema.TradeFlowRecord) { r.Quantity = num(3e21) }},
		{"quantity just below 1e21", func(r *schema.TradeFlowRecord) { r.Quantity = num(999999999999999900000) }},
		{"quantity max", func(r *schema.TradeFlowRecord) { r.Quantity = num(-math.MaxFloat64) }},
		{"customs regime and place", func(r *schema.TradeFlowRecord) { r.CustomsRegime, r.RegisteredPlace = str("general"), str("") }},
		{"other reporter, source and provenance", func(r *schema.TradeFlowRecord) {
			r.Reporter, r.Source, r.ReleaseID, r.SourceURI, r.SourceSHA256 = "CN", "gacc", "r2", "file:///y", "cd"
		}},
		{"other source URI only", func(r *schema.TradeFlowRecord) { r.SourceURI = "file:///z" }},
		{"extreme ints", func(r *schema.TradeFlowRecord) {
			r.Period, r.HSLevel, r.CoversMonths, r.ValueUSD, r.IngestedAt = math.MinInt32, math.MaxInt32, -1, math.MinInt64, math.MaxInt64
		}},
	} {
		r := base
		tc.edit(&r)
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []*flowEnc{new(flowEnc), &shared} {
			got, ok := enc.append(nil, &r)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("%s (shared encoder %v):\n got %s (ok %v)\nwant %s", tc.name, enc == &shared, got, ok, want)
			}
		}
	}
	for _, q := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		r := base
		r.Quantity = &q
		if _, ok := new(flowEnc).append(nil, &r); ok {
			t.Errorf("quantity %v encoded; json.Marshal refuses it", q)
		}
	}
}

func FuzzAppendTradeFlow(f *testing.F) {
	f.Add(int32(18352), "CN", "120190", "SOYBEANS", "KG", 1.5, int64(100), true)
	f.Add(int32(0), "", "", "<\u2028\xff>", "", 1e-7, int64(-1), false)
	f.Fuzz(func(t *testing.T, period int32, partner, hs, desc, unit string, qty float64, value int64, opt bool) {
		r := schema.TradeFlowRecord{Period: period, Partner: partner, HSCode: hs, ValueUSD: value, Valuation: unit}
		if opt {
			r.Description, r.QuantityUnit, r.Quantity, r.CustomsRegime, r.ConsumptionValueUSD = &desc, &unit, &qty, &partner, &value
		}
		want, err := json.Marshal(r)
		got, ok := new(flowEnc).append(nil, &r)
		if (err == nil) != ok || (ok && !bytes.Equal(got, want)) {
			t.Fatalf("got %s (ok %v), json.Marshal %s (%v)", got, ok, want, err)
		}
	})
}

// Census quantities are whole numbers; other sources' weights are not.
func BenchmarkFingerprintTradeFlow(b *testing.B) {
	for _, q := range []float64{1234.5, 13257} {
		b.Run(fmt.Sprintf("quantity=%v", q), func(b *testing.B) {
			desc, unit := "SOYBEANS, WHETHER OR NOT BROKEN", "KG"
			r := schema.TradeFlowRecord{Period: 18352, Reporter: "US", Partner: "CN", Flow: "export", HSCode: "1201900000", HSLevel: 10,
				Description: &desc, ValueUSD: 12345678, Quantity: &q, QuantityUnit: &unit, Valuation: "FAS", CoversMonths: 1,
				Source: "census", ReleaseID: "2020-06-04", SourceURI: "inbox/exports-hs6-5700-2017-01.json.gz", SourceSHA256: "b04b663935a0f87ac197a879c73ead35abbe58a5dfd420d53872085cf070face"}
			var f fingerprint
			b.ReportAllocs()
			for b.Loop() {
				f.addFlow(&r)
			}
		})
	}
}

// The fingerprints of published partitions must not change: the digest
// addFlow builds equals, for any mix of rows, the sum modulo 2^256
// (byte by byte, as first written) of sha256("trade_flow\n" +
// json.Marshal(row without provenance)).
func TestFingerprintMatchesReference(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(f float64) *float64 { return &f }
	var recs []schema.TradeFlowRecord
	for i := range 300 {
		// Runs of one reporter, flow and source, with changes (the runs
		// flowEnc keeps encoded).
		r := schema.TradeFlowRecord{Period: int32(17000 + i%40), Reporter: []string{"US", "CN"}[i%17/16], Partner: []string{"CN", "HK", "MX"}[i%3],
			Flow:   []string{"export", "import"}[i%11/10],
			HSCode: "8703230" + string(rune('0'+i%10)), HSLevel: 8, ValueUSD: int64(i) * 7919 << (i % 40), Valuation: "FAS", CoversMonths: 1,
			Source: []string{"census", "gacc"}[i%13/12], ReleaseID: "r", SourceURI: "file:///x", SourceSHA256: "ab", IngestedAt: int64(i)}
		if i%2 == 0 {
			r.Description, r.QuantityUnit, r.Quantity = str(`MOTOR <CARS> & "VANS" é`), str("NO"), num(float64(i)/3)
		}
		// Runs of one plain description, as one string and as copies,
		// between escaped ones and none (the check flowEnc skips).
		if i%7 < 3 {
			plain := []string{"SOYBEANS", "SOYBEANS, BROKEN", ""}[i/7%3]
			r.Description = &plain
			if i%7 == 2 {
				r.Description = recs[i-1].Description
			}
		}
		recs = append(recs, r)
	}
	checkFingerprint(t, "generated rows", recs)
}

// checkFingerprint compares addFlow's and add's digests of recs with the
// reference.
func checkFingerprint(t *testing.T, name string, recs []schema.TradeFlowRecord) {
	t.Helper()
	var want [32]byte
	for _, r := range recs {
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt = "", "", "", 0
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(append([]byte("trade_flow\n"), j...))
		var carry uint16
		for i := len(want) - 1; i >= 0; i-- {
			s := uint16(want[i]) + uint16(h[i]) + carry
			want[i], carry = byte(s), s>>8
		}
	}
	var viaFlow, viaAny fingerprint
	for i := range recs {
		viaFlow.addFlow(&recs[i])
		viaAny.add(recs[i])
	}
	if got := viaFlow.hex(); got != hex.EncodeToString(want[:]) {
		t.Errorf("%s: addFlow = %s, want the reference %x", name, got, want)
	}
	if viaAny.hex() != viaFlow.hex() {
		t.Errorf("%s: add = %s, addFlow = %s", name, viaAny.hex(), viaFlow.hex())
	}
}

// The content_sha256 of the 40 real Census responses (examples/census) is
// the reference digest of their rows, as the census source gives them.
func TestFingerprintOfRealFiles(t *testing.T) {
	files, err := filepath.Glob("../examples/census/*.json.gz")
	if err != nil || len(files) != 40 {
		t.Fatalf("examples/census: %d files, %v", len(files), err)
	}
	src, err := census.New(census.Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		var e recordEmitter
		rel := &sources.Release{URI: "file://" + f, Path: f, ReleaseID: "2020-06-04", SHA256: "ab"}
		if err := src.Parse(t.Context(), rel, &e); err != nil {
			t.Fatal(err)
		}
		if len(e.recs) == 0 || e.rejects > 0 {
			t.Fatalf("%s: %d rows, %d rejected", f, len(e.recs), e.rejects)
		}
		checkFingerprint(t, filepath.Base(f), e.recs)
	}
}

// recordEmitter keeps the records of a source's trade flows, as the
// collector makes them.
type recordEmitter struct {
	recs    []schema.TradeFlowRecord
	rejects int
}

func (e *recordEmitter) TradeFlow(r *schema.TradeFlow) error {
	rec, err := r.Record()
	e.recs = append(e.recs, rec)
	return err
}
func (e *recordEmitter) TradeTotal(*schema.TradeTotal) error { return nil }
func (e *recordEmitter) Shipment(*schema.Shipment) error     { return nil }
func (e *recordEmitter) Reject(*schema.Rejected) error       { e.rejects++; return nil }
func (e *recordEmitter) Count(string, int64)                 {}
func (e *recordEmitter) Warn(string)                         {}
