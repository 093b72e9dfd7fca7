package money

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func TestCents(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"1234", 123400, false},
		{"1234.5", 123450, false},
		{"-0.07", -7, false},
		{"9999999999999999.99", 999999999999999999, false},
		{"10000000000000000", 0, true}, // 19 digits at scale 2
		{"1.005", 0, true},             // sub-cent: a parse bug, not rounded away
	} {
		got, err := Cents(MustParse(tc.in))
		if tc.wantErr {
			if !errors.Is(err, ErrPrecision) {
				t.Errorf("Cents(%s) err = %v, want ErrPrecision", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Cents(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		back := FromCents(got)
		if back.Cmp(ptr(MustParse(tc.in))) != 0 {
			t.Errorf("FromCents(%d) = %s, want %s", got, back.String(), tc.in)
		}
	}
}

func TestParseRejectsNonNumbers(t *testing.T) {
	for _, s := range []string{"", "abc", "NaN", "Infinity", "1,000"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded", s)
		}
	}
}

func TestArithmetic(t *testing.T) {
	got := Mul(MustParse("1234.567"), MustParse("1000"))
	if got.Text('f') != "1234567.000" {
		t.Errorf("Mul = %s", got.Text('f'))
	}
	r := RoundCents(MustParse("35.675"))
	if r.Text('f') != "35.68" {
		t.Errorf("RoundCents(35.675) = %s, want 35.68 (half-even)", r.Text('f'))
	}
	s := Add(MustParse("0.1"), MustParse("0.2"))
	if s.Text('f') != "0.3" {
		t.Errorf("0.1+0.2 = %s", s.Text('f'))
	}
}

func ptr[T any](v T) *T { return &v }

// Issue 12: a GACC cell 1.000000000000000000000000000000000001 in thousands
// of dollars made Mul panic ("inexact") and killed the daemon. Arithmetic
// on parsed amounts is now exact; Cents refuses what the column cannot hold.
func TestHostileAmounts(t *testing.T) {
	v, err := Parse("1.000000000000000000000000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	d := Mul(v, MustParse("1000"))
	if got := d.Text('f'); got != "1000.000000000000000000000000000000001000" && got != "1000.000000000000000000000000000000001" {
		t.Errorf("product %s", got)
	}
	if _, err := Cents(d); err == nil {
		t.Error("Cents accepted sub-cent digits")
	}
	s := Add(MustParse("1e30"), MustParse("1e-30"))
	if got := s.Text('f'); got != "1000000000000000000000000000000.000000000000000000000000000001" {
		t.Errorf("sum %s", got)
	}
	for _, bad := range []string{"1e999999", "1e-99999", strings.Repeat("9", 65), "NaN", "Inf"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%.20q) accepted", bad)
		}
	}
}

// Cents' fast path gives what quantizing gives, error or count of cents,
// around every bound it checks.
func TestCentsFastPath(t *testing.T) {
	var coeffs []int64
	for _, c := range []int64{0, 1, 7, 99, 100, 12345678, 999_999_999_999_999_999, 1_000_000_000_000_000_000, 9_223_372_036_854_775_807} {
		coeffs = append(coeffs, c, c/10, c/100, c/100+1, c/10+1, c-1)
	}
	for _, c := range coeffs {
		if c < 0 {
			continue
		}
		for exp := int32(-4); exp <= 2; exp++ {
			for _, neg := range []bool{false, true} {
				var d apd.Decimal
				d.SetInt64(c)
				d.Exponent, d.Negative = exp, neg
				got, gerr := Cents(d)
				want, werr := centsQuantize(d)
				if got != want || (gerr == nil) != (werr == nil) {
					t.Errorf("Cents(%s) = %d, %v; quantize %d, %v", d.String(), got, gerr, want, werr)
				}
			}
		}
	}
}
