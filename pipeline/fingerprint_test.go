package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// Partitions published with a version-1 digest must still compare: the
// version-1 digest legacyContent sums equals, for any mix of rows, the sum modulo 2^256
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

// checkFingerprint compares the version-1 digest of recs, as
// legacyContent sums them, with the reference.
func checkFingerprint(t *testing.T, name string, recs []schema.TradeFlowRecord) {
	t.Helper()
	var v1 flowSumV1
	var viaFlow, viaAny fingerprint
	for i := range recs {
		v1.add(&recs[i])
		viaFlow.addFlow(&recs[i])
		viaAny.add(recs[i])
	}
	if got, want := viaFlow.withFlowsV1(&v1), referenceV1(t, recs, nil); got != want {
		t.Errorf("%s: version 1 = %s, want the reference %s", name, got, want)
	}
	if viaAny.hex() != viaFlow.hex() || !strings.HasPrefix(viaFlow.hex(), contentV2) {
		t.Errorf("%s: add = %s, addFlow = %s", name, viaAny.hex(), viaFlow.hex())
	}
}

// referenceV1 is the version-1 digest of a partition's rows, as every
// tradepipe before version 2 wrote it: the sum modulo 2^256 (byte by
// byte) of sha256 of each row's tag and json.Marshal without provenance.
func referenceV1(t *testing.T, flows []schema.TradeFlowRecord, rejects []schema.QuarantineRecord) string {
	t.Helper()
	var want [32]byte
	add := func(tag string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(append([]byte(tag), j...))
		var carry uint16
		for i := len(want) - 1; i >= 0; i-- {
			s := uint16(want[i]) + uint16(h[i]) + carry
			want[i], carry = byte(s), s>>8
		}
	}
	for _, r := range flows {
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt = "", "", "", 0
		add("trade_flow\n", r)
	}
	for _, r := range rejects {
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt, r.Row = "", "", "", 0, 0
		add("rejected\n", r)
	}
	return hex.EncodeToString(want[:])
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Version 2's digest changes with every field of a trade flow but the
// provenance, with the boundary between two strings, and with an optional
// field's absence (nil is neither "" nor 0).
func TestFingerprintV2Fields(t *testing.T) {
	str := func(s string) *string { return &s }
	base := schema.TradeFlowRecord{Period: 18352, Reporter: "US", Partner: "CN", Flow: "export", HSCode: "120190", HSLevel: 6,
		Description: str("SOYBEANS"), ValueUSD: 100, Valuation: "FAS", CoversMonths: 1, Source: "census",
		ReleaseID: "r", SourceURI: "u", SourceSHA256: "s", IngestedAt: 1}
	digest := func(r schema.TradeFlowRecord) string {
		var f fingerprint
		f.addFlow(&r)
		return f.hex()
	}
	want := digest(base)
	provenance := map[string]bool{"ReleaseID": true, "SourceURI": true, "SourceSHA256": true, "IngestedAt": true}
	typ := reflect.TypeFor[schema.TradeFlowRecord]()
	for i := range typ.NumField() {
		field := typ.Field(i)
		r := base
		v := reflect.ValueOf(&r).Elem().Field(i)
		var edits []func()
		switch v.Kind() {
		case reflect.Int32, reflect.Int64:
			edits = append(edits, func() { v.SetInt(v.Int() + 1) })
		case reflect.String:
			edits = append(edits, func() { v.SetString(v.String() + "x") })
		case reflect.Pointer:
			zero := reflect.New(field.Type.Elem()) // nil -> zero value
			edits = append(edits, func() { v.Set(zero) })
			if field.Type.Elem().Kind() == reflect.Float64 {
				negZero := math.Copysign(0, -1)
				edits = append(edits, func() { v.Set(reflect.ValueOf(&negZero)) })
			}
		default:
			t.Fatalf("field %s of kind %s: extend the test", field.Name, v.Kind())
		}
		for j, edit := range edits {
			r = base
			edit()
			if got := digest(r); (got == want) != provenance[field.Name] {
				t.Errorf("%s (edit %d): digest changed = %v", field.Name, j, got != want)
			}
		}
	}
	shifted := base
	shifted.Reporter, shifted.Partner = "USC", "N"
	if digest(shifted) == want {
		t.Error(`Reporter "US" Partner "CN" and "USC" "N" give one digest`)
	}
	emptyDesc := base
	emptyDesc.Description = str("")
	noDesc := base
	noDesc.Description = nil
	if digest(emptyDesc) == digest(noDesc) {
		t.Error("a nil description and an empty one give one digest")
	}
}

// The content_sha256 of the 40 real Census responses (examples/census): a
// version-1 digest (through legacyContent's sum) equal to the reference
// digest of their rows, as the census source gives them, and a version-2
// digest pinned in testdata/fingerprint-v2.golden, so that a change of
// the encoding, which would republish every partition once, fails here
// (go test ./pipeline -run TestFingerprintOfRealFiles -update rewrites it).
func TestFingerprintOfRealFiles(t *testing.T) {
	files, err := filepath.Glob("../examples/census/*.json.gz")
	if err != nil || len(files) != 40 {
		t.Fatalf("examples/census: %d files, %v", len(files), err)
	}
	src, err := census.New(census.Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
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
		var v2 fingerprint
		for i := range e.recs {
			v2.addFlow(&e.recs[i])
		}
		fmt.Fprintf(&got, "%s %s\n", filepath.Base(f), v2.hex())
	}
	golden := filepath.Join("testdata", "fingerprint-v2.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("version-2 digests of the real files changed:\n%s\nwant (%s):\n%s", got.Bytes(), golden, want)
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

// decodeFlowV2 reads appendFlowV2's bytes back. That it gets every row
// back whole, and nothing else is left over, is what makes the encoding
// injective: two different rows never hash the same bytes.
func decodeFlowV2(b []byte) (r schema.TradeFlowRecord, err error) {
	if !bytes.HasPrefix(b, []byte{0, 'F', '2'}) {
		return r, fmt.Errorf("no tag")
	}
	b = b[3:]
	fail := func(what string) error { return fmt.Errorf("%s at %d bytes from the end", what, len(b)) }
	varint := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			err = fail("varint")
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			err = fail("string")
			return ""
		}
		s := string(b[n : n+int(l)])
		b = b[n+int(l):]
		return s
	}
	present := func() bool {
		if len(b) == 0 || b[0] > 1 {
			err = fail("presence")
			return false
		}
		p := b[0] == 1
		b = b[1:]
		return p
	}
	optStr := func() *string {
		if !present() {
			return nil
		}
		s := str()
		return &s
	}
	r.Period = int32(varint())
	r.Reporter, r.Partner, r.Flow, r.HSCode = str(), str(), str(), str()
	r.HSLevel = int32(varint())
	r.Description = optStr()
	r.ValueUSD = varint()
	if present() {
		v := varint()
		r.ConsumptionValueUSD = &v
	}
	if present() {
		if len(b) < 8 {
			return r, fail("quantity")
		}
		q := math.Float64frombits(binary.BigEndian.Uint64(b))
		r.Quantity, b = &q, b[8:]
	}
	r.QuantityUnit = optStr()
	r.Valuation = str()
	r.CoversMonths = int32(varint())
	r.CustomsRegime, r.RegisteredPlace = optStr(), optStr()
	r.Source = str()
	if err == nil && len(b) != 0 {
		err = fail("trailing bytes")
	}
	return r, err
}

func FuzzFlowV2RoundTrip(f *testing.F) {
	f.Add(int32(18352), "US", "5700", "export", "1201900000", int32(10), "SOYBEANS", int64(100), int64(90), 1.5, "KG", "FAS", int32(1), "", "", "census", uint8(0xff))
	f.Add(int32(-1), "", "", "", "", int32(0), "", int64(-1), int64(0), math.Copysign(0, -1), "", "", int32(-7), "x", "y", "", uint8(0x3f))
	f.Fuzz(func(t *testing.T, period int32, reporter, partner, flow, hs string, level int32, desc string, value, cons int64,
		qty float64, unit, valuation string, covers int32, regime, place, source string, present uint8) {
		if math.IsNaN(qty) || math.IsInf(qty, 0) {
			return // no fingerprint at all
		}
		r := schema.TradeFlowRecord{Period: period, Reporter: reporter, Partner: partner, Flow: flow, HSCode: hs, HSLevel: level,
			ValueUSD: value, Valuation: valuation, CoversMonths: covers, Source: source}
		// Each bit of present sets one optional field.
		if present&1 != 0 {
			r.Description = &desc
		}
		if present&2 != 0 {
			r.ConsumptionValueUSD = &cons
		}
		if present&4 != 0 {
			r.Quantity = &qty
		}
		if present&8 != 0 {
			r.QuantityUnit = &unit
		}
		if present&16 != 0 {
			r.CustomsRegime = &regime
		}
		if present&32 != 0 {
			r.RegisteredPlace = &place
		}
		b, ok := appendFlowV2(nil, &r)
		if !ok {
			t.Fatal("a finite row not encoded")
		}
		got, err := decodeFlowV2(b)
		if err != nil {
			t.Fatalf("decode %x: %v", b, err)
		}
		// Compare bit for bit: -0 and 0 are two quantities.
		if deref(got) != deref(r) {
			t.Fatalf("round trip:\n got %s\nwant %s", deref(got), deref(r))
		}
	})
}

// deref prints a row's optional fields by value, the quantity's sign bit
// included.
func deref(r schema.TradeFlowRecord) string {
	var q *uint64
	if r.Quantity != nil {
		bits := math.Float64bits(*r.Quantity)
		q = &bits
	}
	opt := fmt.Sprintf("desc=%s cons=%s qty=%s unit=%s regime=%s place=%s",
		orNil(r.Description), orNil(r.ConsumptionValueUSD), orNil(q), orNil(r.QuantityUnit), orNil(r.CustomsRegime), orNil(r.RegisteredPlace))
	r.Description, r.ConsumptionValueUSD, r.Quantity, r.QuantityUnit, r.CustomsRegime, r.RegisteredPlace = nil, nil, nil, nil, nil, nil
	return fmt.Sprintf("%+v %s", r, opt)
}

func orNil[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%#v", *p)
}
