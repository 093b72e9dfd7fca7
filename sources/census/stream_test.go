package census

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// scanAll reads every record with the streaming scanner: per record its
// cells, or "!" and the cell error.
func scanAll(data []byte) ([][]string, error) {
	sc := newRecordScanner(bytes.NewReader(data))
	var out [][]string
	for {
		if err := sc.next(); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		_, cellErr, err := sc.split()
		if err != nil {
			return out, err
		}
		if cellErr != nil {
			out = append(out, []string{"!", sc.all()[0]})
			continue
		}
		out = append(out, sc.all())
	}
}

// decodeWhole is the reading the scanner replaces: the whole body with
// encoding/json, then each record's cells.
func decodeWhole(data []byte) ([][]string, error) {
	var recs []json.RawMessage
	if err := json.Unmarshal(data, &recs); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errNoHeader
	}
	raw := make([][]json.RawMessage, len(recs))
	for i, rec := range recs {
		// A record is an array: encoding/json would read null as an empty
		// one, and the scanner refuses it (fuzzing found "[null]").
		if !bytes.HasPrefix(rec, []byte("[")) {
			return nil, fmt.Errorf("record %d is not an array", i)
		}
		if err := json.Unmarshal(rec, &raw[i]); err != nil {
			return nil, err
		}
	}
	out := make([][]string, 0, len(raw))
	for _, r := range raw {
		c, err := cells(r)
		if err != nil {
			c = []string{"!", string(mustJSON(r))}
		}
		out = append(out, c)
	}
	return out, nil
}

func TestRecordScannerMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`[["E_COMMODITY","ALL_VAL_MO","time"],["151800","361441","2017-01"]]`,
		" \n[ [ \"a\" , \"b\" ] ,\r\n\t[\"c\",\"d\"] ]\n ",
		`[["a\"b","c\\d","\u00e9\n","\ud83d\ude00","[","]","{"]]`,
		`[["é中","\xff\xfe"]]`,
		`[["a\"b","c\\d","x\/y\n\t\r\b\f","\"","\\","a\\\"b","é\"中","\u0041\"","\"\u0041",""],["\"\"","\\\\"]]`,
		`[["a\x"]]`, `[["a\`, `[["a\"]]`, `[["a\\"]]`, "[[\"a\\\n\"]]", "[[\"\\\xff\"]]", "[[\"\\\"\xff\"]]",
		`[["x",null,12,-1.5e3,0]]`,
		`[["x",true]]`,
		`[["x",{"a":[1,"]"]}],["y",[]]]`,
		`[[],[""]]`,
		`[]`, ``, `[`, `[[`, `[["a"]`, `[["a"]]]`, `[["a"]] x`, `[["a"],]`, `[["a",]]`, `[1]`, `{"a":1}`,
		`[["a"],["b"`, `[["a"]["b"]]`, `[null]`, `[["a"],null]`, "\xef\xbb\xbf[[\"a\"]]", `[["a"]]   `, `[["a\"]]`,
	} {
		want, werr := decodeWhole([]byte(in))
		got, gerr := scanAll([]byte(in))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%q: scanner error %v, encoding/json %v", in, gerr, werr)
			continue
		}
		if werr == nil && !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
}

// FuzzRecordScanner holds the scanner to encoding/json's reading of the
// whole body: the same records, cells and errors.
func FuzzRecordScanner(f *testing.F) {
	f.Add([]byte(`[["E_COMMODITY","ALL_VAL_MO","time"],["151800","361441","2017-01"]]`))
	f.Add([]byte(`[["a\"b",null,1e3,{"x":["]"]}],[]] `))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := decodeWhole(data)
		got, gerr := scanAll(data)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("scanner error %v, encoding/json %v", gerr, werr)
		}
		if werr == nil && !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// endless serves a response of n records without holding it.
type endless struct {
	n, i int
	buf  bytes.Buffer
}

func (e *endless) Read(p []byte) (int, error) {
	for e.buf.Len() < len(p) && e.i <= e.n {
		switch {
		case e.i == 0:
			e.buf.WriteString(`[["E_COMMODITY","ALL_VAL_MO","time","CTY_CODE"]`)
		default:
			fmt.Fprintf(&e.buf, ",\n[\"%010d\",\"%d\",\"2017-01\",\"5700\"]", e.i, e.i*7)
		}
		if e.i++; e.i > e.n {
			e.buf.WriteString("]\n")
		}
	}
	if e.buf.Len() == 0 {
		return 0, io.EOF
	}
	return e.buf.Read(p)
}

// A response of any length is read in the memory of one record: the
// scanner's buffer never grows past the longest record.
func TestRecordScannerFlatMemory(t *testing.T) {
	const n = 300_000 // about 14 MB of JSON
	sc := newRecordScanner(&endless{n: n})
	maxCap := 0
	for {
		err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sc.split(); err != nil {
			t.Fatal(err)
		}
		maxCap = max(maxCap, cap(sc.rec), cap(sc.spans)*16)
	}
	if sc.n != n+1 {
		t.Fatalf("read %d records, want %d", sc.n, n+1)
	}
	if maxCap > 1024 {
		t.Fatalf("record buffer grew to %d bytes", maxCap)
	}
}

func TestRecordScannerLongRecord(t *testing.T) {
	data := `[["a"],["` + strings.Repeat("x", MaxRecord+10) + `"]]`
	_, err := scanAll([]byte(data))
	if err == nil || !strings.Contains(err.Error(), "record 1 is longer than 1024 KiB") {
		t.Fatalf("got %v", err)
	}
	if _, err := scanAll(nil); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("empty body: %v", err)
	}
}

func BenchmarkParseRealResponses(b *testing.B) {
	benchmarkParse(b, "../../examples/census/exports-hs6-5700-2019-*.json.gz")
}

// countEmitter counts rows; the benchmark measures parsing alone.
type countEmitter struct{ rows, rejects int }

func (c *countEmitter) TradeFlow(*schema.TradeFlow) error   { c.rows++; return nil }
func (c *countEmitter) TradeTotal(*schema.TradeTotal) error { return nil }
func (c *countEmitter) Shipment(*schema.Shipment) error     { return nil }
func (c *countEmitter) Reject(*schema.Rejected) error       { c.rejects++; return nil }
func (c *countEmitter) Count(string, int64)                 {}
func (c *countEmitter) Warn(string)                         {}

func benchmarkParse(b *testing.B, glob string) {
	benchmarkParseWith(b, glob, Options{Flow: "export", Partner: "5700"})
}

func benchmarkParseWith(b *testing.B, glob string, opts Options) {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		b.Fatalf("no files %s: %v", glob, err)
	}
	src, err := New(opts, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		rows = 0
		for _, f := range files {
			var e countEmitter
			if err := src.Parse(b.Context(), &sources.Release{URI: f, Path: f}, &e); err != nil {
				b.Fatal(err)
			}
			if e.rejects > 0 {
				b.Fatalf("%s: %d rejects", f, e.rejects)
			}
			rows += e.rows
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}

// BenchmarkParseFiles parses the responses CENSUS_BENCH_FILES names (a
// glob), e.g. a generated all-partner month, for the parse's own time and
// memory: go test -run X -bench ParseFiles (see docs/BENCHMARKS.md).
func BenchmarkParseFiles(b *testing.B) {
	glob := os.Getenv("CENSUS_BENCH_FILES")
	if glob == "" {
		b.Skip("CENSUS_BENCH_FILES is not set")
	}
	benchmarkParse(b, glob)
}

// BenchmarkParseFilesAllPartners is BenchmarkParseFiles for a job of
// every partner, the way bench/census.sh ingests generated months.
func BenchmarkParseFilesAllPartners(b *testing.B) {
	glob := os.Getenv("CENSUS_BENCH_FILES")
	if glob == "" {
		b.Skip("CENSUS_BENCH_FILES is not set")
	}
	benchmarkParseWith(b, glob, Options{Flow: "export", AllPartners: true})
}

// amount's fast path for plain integers gives the decimal money.Parse
// gives, coefficient and exponent alike; everything else is money.Parse's
// and the cents check's verdict.
func TestAmountIsMoneyParse(t *testing.T) {
	for _, s := range []string{"0", "7", "00", "0123", "123456789012345", "999999999999999", "1234567890123456",
		"9999999999999999", "99999999999999999", "1.5", "1.005", "-3", "+3", " 4", "4 ", "", "1e3", "12a", "0x10", "１２"} {
		got, reason := amount([]byte(s), "ALL_VAL_MO")
		want, err := money.Parse(s)
		if err == nil && !want.Negative {
			_, err = money.Cents(want)
		}
		if want.Negative && err == nil {
			err = errors.New("negative")
		}
		if (reason == "") != (err == nil) {
			t.Errorf("%q: reason %q, money.Parse+Cents error %v", s, reason, err)
			continue
		}
		if reason == "" && (got.Cmp(&want) != 0 || got.Exponent != want.Exponent || got.Coeff.Cmp(&want.Coeff) != 0) {
			t.Errorf("%q: %s (exp %d), money.Parse %s (exp %d)", s, got.String(), got.Exponent, want.String(), want.Exponent)
		}
	}
}

// Records whose strings have one-byte escapes (a description with a
// quoted inch, \") stay on the fast path; \u escapes go to encoding/json.
func TestRecordScannerEscapesFast(t *testing.T) {
	for in, wantFast := range map[string]bool{
		`["12.7 CM (5\")","a\\b\/c\n"]`: true,
		`["plain","é"]`:                 true,
		`["\u0041"]`:                    false,
		`["\x"]`:                        false,
	} {
		sc := newRecordScanner(strings.NewReader("[" + in + "]"))
		if err := sc.next(); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		fast, cellErr, err := sc.split()
		if err != nil || cellErr != nil {
			if !wantFast {
				continue // a malformed escape is encoding/json's error
			}
			t.Fatalf("%s: %v %v", in, cellErr, err)
		}
		if fast != wantFast {
			t.Errorf("%s: fast path %v, want %v", in, fast, wantFast)
		}
	}
}

// plainASCII's eight-byte check agrees with a byte-by-byte one for every
// byte value at every position of strings of up to 17 bytes.
func TestPlainASCII(t *testing.T) {
	naive := func(b []byte) bool {
		for _, c := range b {
			if c < 0x20 || c >= 0x80 || c == '\\' {
				return false
			}
		}
		return true
	}
	for n := range 18 {
		for pos := range n {
			for c := range 256 {
				for _, fill := range []byte{'a', ' ', '~', '[', ']'} {
					b := bytes.Repeat([]byte{fill}, n)
					b[pos] = byte(c)
					if got, want := plainASCII(b), naive(b); got != want {
						t.Fatalf("%q: %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}
