package panjiva

import (
	"math"
	"strconv"
	"testing"

	"github.com/tradepipe/tradepipe/internal/money"
)

// FuzzValue normalises arbitrary value cells: the amount must fit the
// lake's DECIMAL(18,2) whenever there is no error.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"1234.5", "$1,234.56", "(12.00)", "USD 5", "1.000000000000000000000000000000000001", "1e308", "9999999999999999.99", "-0", "N/A"} {
		f.Add(s, kindNumber)
		f.Add(s, kindText)
	}
	f.Fuzz(func(t *testing.T, s string, kind byte) {
		v, err := parseValue(cell{kind: kind % (kindDate + 1), v: []byte(s)})
		if err != nil || v == nil {
			return
		}
		if _, err := money.Cents(*v); err != nil {
			t.Fatalf("%q → %s: %v", s, v.Text('f'), err)
		}
	})
}

// FuzzFloat reads arbitrary weight and TEU cells: the fast path must
// agree with strconv.ParseFloat bit for bit, isNull's shortcut with its
// general path (the cell after a space), and a weight read without error
// is finite and not negative.
func FuzzFloat(f *testing.F) {
	for _, s := range []string{"12345.6", "0.5", " 7 ", "5.", ".5", "999999999999999", "9007199254740993", "0.9007199254740993", "1,234.5 kg", "12 KGS", "-3", "1e400", "\u00a01\u00a0", "N/A"} {
		f.Add(s, kindNumber)
		f.Add(s, kindText)
	}
	f.Fuzz(func(t *testing.T, s string, kind byte) {
		b := []byte(s)
		k := kind % (kindDate + 1)
		if isNull(cell{kind: k, v: b}) != isNull(cell{kind: k, v: []byte(" " + s)}) {
			t.Fatalf("isNull(%q) and isNull(%q) differ", s, " "+s)
		}
		if got, ok := plainFloat(b); ok {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("plainFloat(%q) = %v; strconv.ParseFloat: %v, %v", s, got, want, err)
			}
		}
		w, ok, err := parseFloat(cell{kind: k, v: b}, "kgs", "kg")
		if ok && err == nil && (w < 0 || math.IsNaN(w) || math.IsInf(w, 0)) {
			t.Fatalf("parseFloat(%q) = %v", s, w)
		}
	})
}
