package money

import "testing"

// FuzzMoney parses arbitrary amounts and does the arithmetic sources do
// with them (unit conversion, sums). Nothing may panic; Cents and
// FromCents must round-trip.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{"1234.5", "-12", "1.000000000000000000000000000000000001", "1e30", "1e-30", "9999999999999999.99", "0.001", "1E+5"} {
		f.Add(s, "1000")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, err := Parse(a)
		if err != nil {
			return
		}
		y, err := Parse(b)
		if err != nil {
			return
		}
		sum, prod := Add(x, y), Mul(x, y)
		if c, err := Cents(x); err == nil {
			back := FromCents(c)
			if back.Cmp(&x) != 0 {
				t.Fatalf("%s → %d cents → %s", a, c, back.String())
			}
		}
		_, _ = Cents(sum)
		_, _ = Cents(prod)
		_ = RoundCents(prod)
	})
}
