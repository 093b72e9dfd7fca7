package panjiva

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func num(s string) cell  { return cell{kind: kindNumber, v: []byte(s)} }
func text(s string) cell { return cell{kind: kindText, v: []byte(s)} }

func TestParseHSCodes(t *testing.T) {
	cases := []struct {
		in   cell
		want string // codes joined by ","; "" means an error
	}{
		{num("201.3"), "020130"},              // lost leading and trailing zero
		{num("201.30000000000001"), "020130"}, // binary noise
		{num("8471.2999999999993"), "847130"},
		{num("20130"), "020130"},
		{num("847130"), "847130"},
		{num("9403600000"), "9403600000"},
		{text("0201.30"), "020130"},
		{text("8471.30.0100"), "8471300100"},
		{text("8471 30 01"), "84713001"},
		{text("847130"), "847130"},
		{text("020130; 847130"), "020130,847130"},
		{text("020130;847130;020130"), "020130,847130"},
		{text("847130 - Portable computers"), "847130"},
		{text("8471.30 Laptops; 9403.60 Wooden furniture"), "847130,940360"},
		{text("HS 847130"), "847130"},
		{text("HS Code: 0901.21"), "090121"},
		{text("12345678901"), ""},
		{text("see attached"), ""},
		{text("8471ab"), ""},
		{text("N/A"), ""},
		{cell{}, ""},
		{num("-5"), ""},
	}
	for _, c := range cases {
		got, err := parseHSCodes(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("parseHSCodes(%q) = %v, want an error", c.in.v, got)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("parseHSCodes(%q) = %v, %v; want %s", c.in.v, got, err, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in       cell
		date1904 bool
		want     string // "" error, "null" for a null cell
	}{
		{num("43845"), false, "2020-01-15"},
		{num("43845.75"), false, "2020-01-15"}, // time of day dropped
		{num("42383"), true, "2020-01-15"},     // 1904 system: 1462 days less
		{text("43845"), false, "2020-01-15"},   // serial saved as text
		{text("2020-01-15"), false, "2020-01-15"},
		{text("2020/01/15"), false, "2020-01-15"},
		{text("01/15/2020"), false, "2020-01-15"},
		{text("1/5/2020"), false, "2020-01-05"},   // month first (US)
		{text("15/01/2020"), false, "2020-01-15"}, // day first when it must be
		{text("15-Jan-2020"), false, "2020-01-15"},
		{text("Jan 15, 2020"), false, "2020-01-15"},
		{text("January 15, 2020"), false, "2020-01-15"},
		{text("15 Jan 2020"), false, "2020-01-15"},
		{text("20200115"), false, "2020-01-15"},
		{num("20200115"), false, "2020-01-15"}, // YYYYMMDD typed as a number
		{num("20201315"), false, ""},
		{text("01/15/2020 00:00:00"), false, "2020-01-15"},
		{cell{kind: kindDate, v: []byte("2020-01-15T00:00:00Z")}, false, "2020-01-15"},
		{text("N/A"), false, "null"},
		{text(" - "), false, "null"},
		{cell{}, false, "null"},
		{text("TBD"), false, ""},
		{text("31/31/2020"), false, ""},
		{text("2020-02-30"), false, ""},
		{num("60"), false, ""},  // 1900-02-29 does not exist
		{num("100"), false, ""}, // 1900: out of range for shipments
		{num("1e9"), false, ""},
	}
	for _, c := range cases {
		d, ok, err := parseDate(c.in, c.date1904)
		switch {
		case c.want == "null":
			if ok || err != nil {
				t.Errorf("parseDate(%q) = %v, %v, %v; want null", c.in.v, d, ok, err)
			}
		case c.want == "":
			if err == nil {
				t.Errorf("parseDate(%q) = %v, want an error", c.in.v, d)
			}
		default:
			if err != nil || !ok || d.String() != c.want {
				t.Errorf("parseDate(%q, 1904=%v) = %v, %v, %v; want %s", c.in.v, c.date1904, d, ok, err, c.want)
			}
		}
	}
}

func TestSerialDateEarly1900(t *testing.T) {
	// Excel: 1 is 1900-01-01, 59 is 1900-02-28, 61 is 1900-03-01.
	for serial, want := range map[float64]string{1: "1900-01-01", 59: "1900-02-28", 61: "1900-03-01"} {
		d, err := serialDate(serial, false)
		if err != nil || d.String() != want {
			t.Errorf("serialDate(%v) = %v, %v; want %s", serial, d, err, want)
		}
	}
	if d, err := serialDate(0, true); err != nil || d.String() != "1904-01-01" {
		t.Errorf("1904 serial 0 = %v, %v", d, err)
	}
}

func TestParseValue(t *testing.T) {
	cases := []struct {
		in   cell
		want string // "" error, "null"
	}{
		{num("1234.56"), "1234.56"},
		{num("1234.5699999999999"), "1234.57"},
		{num("1.5E+3"), "1500.00"},
		{text("$1,234.56"), "1234.56"},
		{text("US$ 1,234,567.8"), "1234567.80"},
		{text("USD 12"), "12.00"},
		{text("1234.56 USD"), "1234.56"},
		{text("(1,234.56)"), "-1234.56"},
		{text("($1,234.56)"), "-1234.56"},
		{text("-$5.00"), "-5.00"},
		{text("N/A"), "null"},
		{text("-"), "null"},
		{cell{}, "null"},
		{cell{kind: kindError, v: []byte("#N/A")}, "null"},
		{text("about 5k"), ""},
		{text("1.234,56"), ""}, // European separators are ambiguous
		{text("1,23"), ""},
		{text("12,34,567"), ""},
		{text("$"), ""},
		{num("1e30"), ""}, // does not fit DECIMAL(18,2)
	}
	for _, c := range cases {
		got, err := parseValue(c.in)
		switch {
		case c.want == "null":
			if got != nil || err != nil {
				t.Errorf("parseValue(%q) = %v, %v; want null", c.in.v, got, err)
			}
		case c.want == "":
			if err == nil {
				t.Errorf("parseValue(%q) = %v, want an error", c.in.v, got)
			}
		default:
			if err != nil || got == nil || cents(t, got) != c.want {
				t.Errorf("parseValue(%q) = %v, %v; want %s", c.in.v, got, err, c.want)
			}
		}
	}
}

func TestParseFloat(t *testing.T) {
	cases := []struct {
		in   cell
		want float64
		ok   bool
		err  bool
	}{
		{num("1234.5"), 1234.5, true, false},
		{text("1,234.5 kg"), 1234.5, true, false},
		{text("12 KGS"), 12, true, false},
		{text("N/A"), 0, false, false},
		{text("-"), 0, false, false},
		{text("heavy"), 0, true, true},
		{num("-3"), 0, true, true},
	}
	for _, c := range cases {
		got, ok, err := parseFloat(c.in, "kgs", "kg")
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("parseFloat(%q) = %v, %v, %v", c.in.v, got, ok, err)
		}
	}
}

func TestIsFROB(t *testing.T) {
	for _, s := range []string{"Y", "yes", "TRUE", "1", "x", "FROB"} {
		if !isFROB(text(s)) {
			t.Errorf("isFROB(%q) = false", s)
		}
	}
	if !isFROB(cell{kind: kindBool, v: []byte("1")}) {
		t.Error("isFROB(TRUE bool) = false")
	}
	for _, s := range []string{"N", "No", "", "-", "0", "FALSE"} {
		if isFROB(text(s)) {
			t.Errorf("isFROB(%q) = true", s)
		}
	}
}

// No header text may name two fields: the table would depend on map order.
func TestBuiltinAliasesAreUnambiguous(t *testing.T) {
	seen := map[string]field{}
	for f, names := range builtinAliases {
		for _, n := range names {
			if g, dup := seen[headerKey(n)]; dup && g != f {
				t.Errorf("%q names %s and %s", n, fieldNames[g], fieldNames[f])
			}
			seen[headerKey(n)] = f
		}
	}
	for f := range numFields {
		if len(builtinAliases[f]) == 0 {
			t.Errorf("field %s has no alias", fieldNames[f])
		}
	}
}

func TestHeaderMatching(t *testing.T) {
	tab, err := newAliasTable(map[string]string{"Arrival Dt": "shipment_date"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(ss ...string) []cell {
		out := make([]cell, len(ss))
		for i, s := range ss {
			if s != "" {
				out[i] = text(s)
			}
		}
		return out
	}
	if _, ok := tab.matchHeader(1, row("Panjiva Shipment Search Results")); ok {
		t.Error("title row taken for a header")
	}
	h, ok := tab.matchHeader(4, row("ARRIVAL  DATE", "hs_code", "Value of Goods(USD)", "", "Weight (t)", "Mystery Column", "Arrival Date"))
	if !ok {
		t.Fatal("header not recognised")
	}
	if h.col[fieldShipmentDate] != 0 || h.col[fieldHSCode] != 1 || h.col[fieldValueUSD] != 2 || h.col[fieldWeightT] != 4 || h.col[fieldWeightKg] != -1 {
		t.Errorf("columns = %v", h.col)
	}
	if !slices.Equal(h.unknown, []string{"Mystery Column", "Arrival Date"}) {
		t.Errorf("unknown = %v", h.unknown)
	}
	h, ok = tab.matchHeader(1, row("Arrival Dt", "Consignee", "Shipper"))
	if !ok || h.col[fieldShipmentDate] != 0 {
		t.Errorf("config alias not used: %v %v", ok, h.col)
	}
	if m := h.missing(); !slices.Equal(m, []string{"value_usd", "hs_code"}) {
		t.Errorf("missing = %v", m)
	}
	if _, err := newAliasTable(map[string]string{"X": "nonsense"}); err == nil {
		t.Error("alias to an unknown field accepted")
	}
}

func TestAppendUnescaped(t *testing.T) {
	for in, want := range map[string]string{
		"A &amp; B &lt;1&gt; &quot;x&quot; &apos;y&apos;": `A & B <1> "x" 'y'`,
		"caf&#233; &#x4E2D;":                              "café 中",
		"line_x000D_break":                                "line\rbreak",
		"plain_xyz":                                       "plain_xyz",
		"&bogus;":                                         "&bogus;",
	} {
		if got := string(appendUnescaped(nil, []byte(in))); got != want {
			t.Errorf("appendUnescaped(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every whole serial, in both date systems, reads as serialDate reads it,
// or is left to parseDate's general path.
func TestWholeSerialDate(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		for n := 0; n <= 2958466; n++ {
			s := strconv.Itoa(n)
			got, ok := wholeSerialDate([]byte(s), date1904)
			want, err := serialDate(float64(n), date1904)
			inRange := err == nil && want.Year >= minYear && want.Year <= maxYear
			if ok != (inRange && n >= 1) || ok && got != want {
				t.Fatalf("serial %s (1904 %v): got %v %v, serialDate %v %v", s, date1904, got, ok, want, err)
			}
		}
	}
	for _, s := range []string{"", "12345678", "4417a", "-1", "44171.5", " 44171"} {
		if d, ok := wholeSerialDate([]byte(s), false); ok {
			t.Errorf("%q read as %v", s, d)
		}
	}
}

// TestPlainFloatMatchesParseFloat compares the fast path of parseFloat
// with strconv.ParseFloat, bit for bit, on edge cases and on random
// decimals of up to 20 digits (a fast path that took more than 15 would
// round twice and differ).
func TestPlainFloatMatchesParseFloat(t *testing.T) {
	ins := []string{"0", "00", "0.0", "5.", ".5", "12345.6", "0.1", "0.3", "999999999999999", "99999999999999.9",
		".000000000000001", "9007199254740993", "1234567890123456", "1e3", "-1", "+1", "1.2.3", "", ".", "1 ", "１"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		n := 1 + rng.IntN(20)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		if rng.IntN(4) > 0 {
			b[rng.IntN(n)] = '.'
		}
		ins = append(ins, string(b))
	}
	fast := 0
	for _, s := range ins {
		got, ok := plainFloat([]byte(s))
		if !ok {
			continue
		}
		fast++
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("plainFloat(%q) = %v (%x); strconv.ParseFloat: %v (%x), %v", s, got, math.Float64bits(got), want, math.Float64bits(want), err)
		}
	}
	if fast < len(ins)/3 {
		t.Fatalf("the fast path read %d of %d inputs", fast, len(ins))
	}
}

// TestIsNullSpaced compares isNull on cells with its shortcut (most
// cells) and on the same cells after a space (only the general path).
func TestIsNullSpaced(t *testing.T) {
	for _, s := range []string{"", "-", "--", "NA", "n/a", "#N/A", "NULL", "none", "n.a.", "N/A ", "\u00a0NULL\u00a0", "NULLS", "12345", "a", "MAERSK ESSEN", "#N/A\u0085", "\x01NONE"} {
		for _, kind := range []byte{kindText, kindNumber} {
			c := cell{kind: kind, v: []byte(s)}
			spaced := cell{kind: kind, v: []byte(" " + s)}
			if isNull(c) != isNull(spaced) {
				t.Errorf("isNull(%q) = %v, isNull(%q) = %v", s, isNull(c), " "+s, isNull(spaced))
			}
		}
	}
}
